import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { queryExtended, withStoreSession } from '../../src/db/session.js';
import { HEAD_OFFICE_ID, STORES } from '../../src/db/stores.js';
import { createZavaTestDatabase, type ZavaTestDatabase } from '../support/zava.js';

type Counts = { orders: number; order_items: number; inventory: number; customers: number };

const COUNT_SQL = `SELECT (SELECT count(*) FROM retail.orders)::int AS orders,
  (SELECT count(*) FROM retail.order_items)::int AS order_items,
  (SELECT count(*) FROM retail.inventory)::int AS inventory,
  (SELECT count(*) FROM retail.customers)::int AS customers`;

let db: ZavaTestDatabase;
let pool: pg.Pool; // connected as the serve login role, one connection so "next transaction" is the same one
const session = (rlsUserId: string | null) => ({ role: db.readerRole, rlsUserId, statementTimeoutMs: 5000 });

async function countsAs(rlsUserId: string | null): Promise<Counts> {
  return withStoreSession(
    pool,
    session(rlsUserId),
    async (client) => (await queryExtended<Counts>(client, COUNT_SQL)).rows[0],
  );
}

/** Counts as superuser (RLS bypassed), with the visibility rules written out independently. */
async function expectedCounts(storeId: number): Promise<Counts> {
  const { rows } = await db.admin.query<Counts>(
    `SELECT (SELECT count(*) FROM retail.orders WHERE store_id = $1)::int AS orders,
       (SELECT count(*) FROM retail.order_items WHERE store_id = $1)::int AS order_items,
       (SELECT count(*) FROM retail.inventory WHERE store_id = $1)::int AS inventory,
       (SELECT count(*) FROM retail.customers c WHERE c.primary_store_id = $1
          OR c.customer_id IN (SELECT customer_id FROM retail.orders WHERE store_id = $1))::int AS customers`,
    [storeId],
  );
  return rows[0];
}

beforeAll(async () => {
  db = await createZavaTestDatabase();
  pool = new pg.Pool({ connectionString: db.loginUrl, max: 1 });
  pool.on('error', () => {});
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe('row-level security through withStoreSession as the serve login role', () => {
  test('every store sees exactly its own orders, items, inventory and customers', async () => {
    const { rows: stores } = await db.admin.query<{ store_id: number; rls_user_id: string }>(
      'SELECT store_id, rls_user_id FROM retail.stores ORDER BY store_id',
    );
    expect(stores.map((s) => s.rls_user_id)).toEqual(STORES.map((s) => s.rlsUserId));
    const seen = new Set<number>();
    for (const store of stores) {
      const expected = await expectedCounts(store.store_id);
      expect(expected.orders).toBeGreaterThan(0);
      expect(await countsAs(store.rls_user_id)).toEqual(expected);
      seen.add(expected.orders);
    }
    // The stores differ (weights and multipliers), so a policy that ignored the store would fail above.
    expect(seen.size).toBeGreaterThan(4);
  });

  test('head office sees every row; the identity is case-insensitive', async () => {
    const { rows } = await db.admin.query<Counts>(COUNT_SQL);
    expect(await countsAs(HEAD_OFFICE_ID)).toEqual(rows[0]);
    const seattle = STORES[0].rlsUserId;
    expect(await countsAs(seattle.toUpperCase())).toEqual(await countsAs(seattle));
  });

  test('no identity sees no rows, but the catalogue stays visible', async () => {
    expect(await countsAs(null)).toEqual({ orders: 0, order_items: 0, inventory: 0, customers: 0 });
    const catalogue = await withStoreSession(
      pool,
      session(null),
      async (client) =>
        (
          await client.query(
            'SELECT (SELECT count(*) FROM retail.stores)::int AS s, (SELECT count(*) FROM retail.products)::int AS p',
          )
        ).rows[0],
    );
    expect(catalogue).toEqual({ s: 8, p: 450 });
  });

  test.each([
    ['garbage'],
    [''],
    ['f47ac10b-58cc-4372-a567'],
    ['11111111-2222-3333-4444-555555555555'],
    ["' OR true --"],
  ])('identity %j sees no rows', async (identity) => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN READ ONLY');
      await client.query(`SET LOCAL ROLE ${db.readerRole}`);
      await client.query("SELECT set_config('app.current_rls_user_id', $1, true)", [identity]);
      expect((await client.query(COUNT_SQL)).rows[0]).toEqual({
        orders: 0,
        order_items: 0,
        inventory: 0,
        customers: 0,
      });
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});

describe('the roles cannot write or escape', () => {
  test('the reader role cannot INSERT, UPDATE or DELETE, even in a read-write transaction', async () => {
    const statements = [
      "INSERT INTO retail.stores (store_name, rls_user_id) VALUES ('x', '11111111-2222-3333-4444-555555555555')",
      'UPDATE retail.orders SET store_id = 1',
      'DELETE FROM retail.customers',
      'TRUNCATE retail.order_items',
    ];
    for (const sql of statements) {
      // Inside a store session (read-only transaction): refused.
      await expect(
        withStoreSession(pool, session(HEAD_OFFICE_ID), (c) => c.query(sql)),
      ).rejects.toMatchObject({
        code: expect.stringMatching(/^(25006|42501)$/),
      });
      // Even with the transaction read-write, the reader holds no write privilege.
      const client = await pool.connect();
      try {
        await client.query('BEGIN READ WRITE');
        await client.query(`SET LOCAL ROLE ${db.readerRole}`);
        await expect(client.query(sql)).rejects.toMatchObject({ code: '42501' });
      } finally {
        await client.query('ROLLBACK');
        client.release();
      }
    }
  });

  test('the login role defaults to read-only transactions', async () => {
    const { rows } = await pool.query('SHOW default_transaction_read_only');
    expect(rows[0].default_transaction_read_only).toBe('on');
  });

  test('after RESET ROLE the login role reads nothing, and it cannot become a superuser', async () => {
    await expect(
      withStoreSession(pool, session(HEAD_OFFICE_ID), async (client) => {
        await client.query('RESET ROLE');
        return client.query('SELECT count(*) FROM retail.orders');
      }),
    ).rejects.toMatchObject({
      code: '42501',
      message: expect.stringContaining('permission denied for schema retail'),
    });
    await expect(
      withStoreSession(pool, session(HEAD_OFFICE_ID), (client) => client.query('SET ROLE postgres')),
    ).rejects.toMatchObject({ code: '42501' });
  });

  test('an identity set with set_config(…, false) inside a session does not reach the next transaction', async () => {
    const other = STORES[1].rlsUserId;
    const firstPid = await withStoreSession(pool, session(null), async (client) => {
      await client.query("SELECT set_config('app.current_rls_user_id', $1, false)", [other]);
      expect((await client.query<Counts>(COUNT_SQL)).rows[0].orders).toBeGreaterThan(0); // it works inside…
      return (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    });
    const after = await withStoreSession(pool, session(null), async (client) => ({
      pid: (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid,
      guc: (await client.query("SELECT current_setting('app.current_rls_user_id', true) AS v")).rows[0].v,
      counts: (await client.query<Counts>(COUNT_SQL)).rows[0],
    }));
    expect(after.pid).toBe(firstPid); // …on the same connection…
    expect(after.guc ?? '').toBe(''); // …but is gone after the ROLLBACK
    expect(after.counts).toEqual({ orders: 0, order_items: 0, inventory: 0, customers: 0 });
  });

  test('the store filter is computed once per query (InitPlan), and store/date clauses stay indexable', async () => {
    const plan = await withStoreSession(pool, session(STORES[0].rlsUserId), async (client) => {
      await client.query('SET LOCAL enable_seqscan = off');
      const { rows } = await client.query(
        "EXPLAIN SELECT count(*) FROM retail.orders WHERE store_id = 1 AND order_date >= '2025-01-01'",
      );
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain('InitPlan');
    expect(plan).not.toContain('SubPlan');
    // The policy's store range (store_id >= $0 AND store_id <= $1) is itself part of the index condition.
    expect(plan).toMatch(/Index Cond: .*store_id >= \$\d.*store_id <= \$\d.*store_id = 1.*order_date >= /);
  });
});

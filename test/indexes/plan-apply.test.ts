import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterruptedError } from '../../src/errors.js';
import { type ApplyEvent, type ApplyOptions, applyIndexPlan } from '../../src/ops/indexes/apply.js';
import { ivfflatLists } from '../../src/ops/indexes/definitions.js';
import { type IndexPlan, planIndexes } from '../../src/ops/indexes/plan.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createRetailTables } from './retail-schema.js';

let db: TestDatabase;
let pool: pg.Pool;
const dir = mkdtempSync(join(tmpdir(), 'mcpops-index-'));
const options: ApplyOptions = {
  embedded: false,
  lockTimeoutMs: 1000,
  statementTimeoutMs: 60_000,
  maintenanceWorkMem: '64MB',
  lockRetries: 2,
  retryDelayMs: 100,
  pollMs: 100,
};

function file(name: string, sql: string): string {
  const path = join(dir, name);
  writeFileSync(path, sql);
  return path;
}

async function indexNames(): Promise<string[]> {
  const { rows } = await db.admin.query(
    "SELECT indexname FROM pg_indexes WHERE schemaname = 'retail' ORDER BY indexname",
  );
  return rows.map((r) => r.indexname);
}

function byName(plan: IndexPlan, name: string) {
  const item = plan.items.find((i) => i.name === name);
  if (!item) throw new Error(`no ${name} in plan`);
  return item;
}

beforeAll(async () => {
  db = await createTestDatabase();
  await createRetailTables(db.admin);
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  pool.on('error', () => {});
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe('planIndexes', () => {
  it('catches a definition naming a missing column before any DDL, and suggests the real one', async () => {
    const before = await indexNames();
    const wrong = file(
      'wrong.sql',
      'CREATE INDEX customers_store_email_idx ON retail.customers (store_id, email);',
    );
    const plan = await planIndexes(pool, { files: [wrong], vectorMethod: 'hnsw' });
    expect(plan.errors).toBe(1);
    const item = byName(plan, 'customers_store_email_idx');
    expect(item.state).toBe('error');
    expect(item.errors[0]).toMatch(
      /column store_id does not exist on retail\.customers \(did you mean primary_store_id\?\)/,
    );
    await expect(applyIndexPlan(pool, plan, options)).rejects.toThrow(/plan has errors; nothing was applied/);
    expect(await indexNames()).toEqual(before);
  });

  it('reports the other two wrong recommendations of the source material', async () => {
    const wrong = file(
      'wrong2.sql',
      `CREATE INDEX orders_date_total_idx ON retail.orders (order_date, total_amount);
       CREATE INDEX products_category_unit_price_idx ON retail.products (category_id, unit_price);
       CREATE INDEX nowhere_idx ON retail.nowhere (id);`,
    );
    const plan = await planIndexes(pool, { files: [wrong], vectorMethod: 'hnsw' });
    expect(plan.errors).toBe(3);
    expect(byName(plan, 'orders_date_total_idx').errors[0]).toMatch(
      /column total_amount does not exist on retail\.orders/,
    );
    expect(byName(plan, 'products_category_unit_price_idx').errors[0]).toMatch(
      /column unit_price does not exist/,
    );
    expect(byName(plan, 'nowhere_idx').errors[0]).toBe('table retail.nowhere does not exist');
  });

  it('says the vector set needs pgvector where it is not installed, and skips it when not asked for', async () => {
    const asked = await planIndexes(pool, { sets: ['vector'], vectorMethod: 'hnsw' });
    expect(asked.errors).toBe(1);
    expect(asked.items[0].errors[0]).toBe(
      'access method hnsw does not exist: the pgvector extension is not installed (CREATE EXTENSION vector)',
    );
    const all = await planIndexes(pool, { vectorMethod: 'hnsw' });
    expect(all.errors).toBe(0);
    expect(byName(all, 'product_description_embeddings_hnsw_idx')).toMatchObject({
      state: 'unavailable',
      action: 'skip',
    });
  });

  it('counts an index with the same leading columns as covering a plain B-tree definition', async () => {
    await db.admin.query(
      'CREATE INDEX product_types_category_name ON retail.product_types (category_id, type_name)',
    );
    const plan = await planIndexes(pool, {
      sets: ['btree'],
      only: ['product_types_category_idx'],
      vectorMethod: 'hnsw',
    });
    expect(plan.items[0]).toMatchObject({
      state: 'equivalent',
      detail: 'covered by product_types_category_name (same leading columns)',
    });
    await db.admin.query('DROP INDEX retail.product_types_category_name');
  });

  it('refuses a file that holds something other than CREATE INDEX, and unknown sets and names', async () => {
    const bad = file('bad.sql', 'DROP TABLE retail.orders;');
    await expect(planIndexes(pool, { files: [bad], vectorMethod: 'hnsw' })).rejects.toMatchObject({
      exitCode: 64,
      message: expect.stringMatching(/is not a CREATE INDEX \(DropStmt\)/),
    });
    await expect(planIndexes(pool, { sets: ['nope'], vectorMethod: 'hnsw' })).rejects.toThrow(
      /unknown index set "nope"/,
    );
    await expect(
      planIndexes(pool, { sets: ['btree'], only: ['x_idx'], vectorMethod: 'hnsw' }),
    ).rejects.toThrow(/unknown index x_idx/);
  });

  it('classifies present, equivalent, differs and INVALID leftovers', async () => {
    await db.admin.query(
      'CREATE INDEX orders_store_date_idx ON retail.orders USING btree (store_id ASC, order_date)',
    );
    await db.admin.query('CREATE INDEX my_orders_by_customer ON retail.orders (customer_id)');
    await db.admin.query('CREATE INDEX products_type_idx ON retail.products (type_id, product_id)');
    // A unique build that fails on duplicates leaves an INVALID index behind.
    await db.admin.query('INSERT INTO retail.inventory VALUES (1, 1, 5), (2, 1, 7)');
    await expect(
      db.admin.query(
        'CREATE UNIQUE INDEX CONCURRENTLY inventory_product_idx ON retail.inventory (product_id)',
      ),
    ).rejects.toThrow(/could not create unique index/);

    const plan = await planIndexes(pool, { sets: ['btree'], vectorMethod: 'hnsw' });
    expect(plan.errors).toBe(0);
    expect(byName(plan, 'orders_store_date_idx')).toMatchObject({ state: 'present', action: 'none' });
    expect(byName(plan, 'orders_customer_idx')).toMatchObject({
      state: 'equivalent',
      action: 'none',
      detail: 'already covered by my_orders_by_customer',
    });
    expect(byName(plan, 'products_type_idx')).toMatchObject({ state: 'differs', action: 'skip' });
    expect(byName(plan, 'inventory_product_idx')).toMatchObject({ state: 'invalid', action: 'rebuild' });
    expect(byName(plan, 'order_items_order_idx')).toMatchObject({ state: 'missing', action: 'create' });
    const replacing = await planIndexes(pool, {
      sets: ['btree'],
      only: ['products_type_idx'],
      replace: true,
      vectorMethod: 'hnsw',
    });
    expect(replacing.items[0]).toMatchObject({ state: 'differs', action: 'replace' });
  });
});

describe('applyIndexPlan', () => {
  it('builds, repairs the INVALID leftover, replaces on request, and a second run has nothing to do', async () => {
    const plan = await planIndexes(pool, { sets: ['btree'], replace: true, vectorMethod: 'hnsw' });
    const result = await applyIndexPlan(pool, plan, options);
    expect(result.failed).toBe(0);
    expect(result.items.find((i) => i.name === 'inventory_product_idx')?.status).toBe('rebuilt');
    expect(result.items.find((i) => i.name === 'products_type_idx')?.status).toBe('replaced');
    expect(result.analyzed).toContain('retail.orders');
    const { rows } = await db.admin.query(
      "SELECT count(*)::int AS n FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE NOT i.indisvalid AND c.relnamespace = 'retail'::regnamespace",
    );
    expect(rows[0].n).toBe(0);
    const { rows: def } = await db.admin.query(
      "SELECT pg_get_indexdef('retail.products_type_idx'::regclass) AS d",
    );
    expect(def[0].d).toBe('CREATE INDEX products_type_idx ON retail.products USING btree (type_id)');
    expect(await indexNames()).not.toContain('products_type_idx_mcpops_old');

    const again = await planIndexes(pool, { sets: ['btree'], vectorMethod: 'hnsw' });
    expect(again.changes).toBe(0);
    expect(again.items.every((i) => i.state === 'present' || i.state === 'equivalent')).toBe(true);
  });

  it('builds concurrently while another connection keeps inserting (no failed insert)', async () => {
    await db.admin.query(
      `INSERT INTO retail.order_items (order_id, store_id, product_id, quantity, unit_price, total_amount)
       SELECT g % 5000, g % 8, g % 400, 1, 10, 10 FROM generate_series(1, 300000) g`,
    );
    const index = file(
      'extra.sql',
      'CREATE INDEX order_items_quantity_idx ON retail.order_items (quantity, total_amount);',
    );
    const writer = new pg.Client({ connectionString: db.url });
    await writer.connect();
    let inserted = 0;
    let failures = 0;
    let running = true;
    const writing = (async () => {
      const deadline = Date.now() + 30_000;
      while (running && Date.now() < deadline) {
        try {
          await writer.query(
            'INSERT INTO retail.order_items (order_id, store_id, product_id, quantity, unit_price, total_amount) VALUES (1, 1, 1, 2, 3, 6)',
          );
          inserted++;
        } catch {
          failures++;
        }
      }
    })();
    try {
      const plan = await planIndexes(pool, { files: [index], vectorMethod: 'hnsw' });
      const events: ApplyEvent[] = [];
      const result = await applyIndexPlan(pool, plan, { ...options, onEvent: (e) => events.push(e) });
      expect(result.items[0]).toMatchObject({ status: 'created', attempts: 1 });
      expect(result.concurrently).toBe(true);
    } finally {
      running = false;
      await writing;
      await writer.end();
    }
    expect(failures).toBe(0);
    expect(inserted).toBeGreaterThan(10);
  });

  it('retries after a lock timeout and succeeds once the lock is gone', async () => {
    const index = file(
      'retry.sql',
      'CREATE INDEX stores_name_online_idx ON retail.stores (is_online, store_name);',
    );
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE retail.stores IN SHARE UPDATE EXCLUSIVE MODE');
    try {
      const plan = await planIndexes(pool, { files: [index], vectorMethod: 'hnsw' });
      const events: ApplyEvent[] = [];
      const result = await applyIndexPlan(pool, plan, {
        ...options,
        lockTimeoutMs: 150,
        lockRetries: 4,
        onEvent: (e) => {
          events.push(e);
          // The first attempt has timed out on the lock: let the next one through.
          if (e.kind === 'retry' && e.attempt === 1) void locker.query('COMMIT');
        },
      });
      expect(result.items[0].status).toBe('created');
      expect(result.items[0].attempts).toBeGreaterThan(1);
      expect(events.some((e) => e.kind === 'retry')).toBe(true);
    } finally {
      await locker.end();
    }
  });

  it('gives up after the retries with the lock timeout as the error, leaving nothing behind', async () => {
    const index = file(
      'held.sql',
      'CREATE INDEX stores_online_idx ON retail.stores (store_name, rls_user_id);',
    );
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE retail.stores IN SHARE UPDATE EXCLUSIVE MODE');
    try {
      const plan = await planIndexes(pool, { files: [index], vectorMethod: 'hnsw' });
      const result = await applyIndexPlan(pool, plan, {
        ...options,
        lockTimeoutMs: 100,
        lockRetries: 1,
        retryDelayMs: 50,
      });
      expect(result.failed).toBe(1);
      expect(result.items[0]).toMatchObject({ status: 'failed', attempts: 2 });
      expect(result.items[0].error).toMatch(/lock timeout/);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    expect(await indexNames()).not.toContain('stores_online_idx');
  });

  it('cancels the running build on abort and drops the INVALID index it leaves', async () => {
    const index = file(
      'cancel.sql',
      'CREATE INDEX order_items_discount_idx ON retail.order_items (discount_percent);',
    );
    // An open snapshot makes the concurrent build wait in its "waiting for old snapshots" phase.
    const snapshot = new pg.Client({ connectionString: db.url });
    await snapshot.connect();
    await snapshot.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await snapshot.query('SELECT count(*) FROM retail.stores');
    const controller = new AbortController();
    const events: ApplyEvent[] = [];
    try {
      const plan = await planIndexes(pool, { files: [index], vectorMethod: 'hnsw' });
      const applying = applyIndexPlan(pool, plan, {
        ...options,
        lockTimeoutMs: 20_000,
        signal: controller.signal,
        onEvent: (e) => {
          events.push(e);
          if (e.kind === 'progress' && /waiting/.test(e.progress.phase)) controller.abort();
        },
      });
      await expect(applying).rejects.toBeInstanceOf(InterruptedError);
    } finally {
      await snapshot.query('ROLLBACK');
      await snapshot.end();
    }
    expect(events.some((e) => e.kind === 'progress')).toBe(true);
    expect(await indexNames()).not.toContain('order_items_discount_idx');
  });
});

describe('ivfflatLists', () => {
  it.each([
    [0, 10],
    [5_000, 10],
    [250_000, 250],
    [1_000_000, 1000],
    [4_000_000, 2000],
  ])('%i rows → %i lists', (rows, lists) => {
    expect(ivfflatLists(rows)).toBe(lists);
  });
});

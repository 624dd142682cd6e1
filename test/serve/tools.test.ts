import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HEAD_OFFICE_ID, STORES } from '../../src/db/stores.js';
import type { Identity } from '../../src/mcp/identity.js';
import { createZavaTestDatabase, type ZavaTestDatabase } from '../support/zava.js';
import { callTool, connectInMemory, loginPool, ordersPerStore, serveConfig } from './support.js';

let db: ZavaTestDatabase;
let pool: pg.Pool;

const seattle: Identity = { rlsUserId: STORES[0].rlsUserId, label: STORES[0].name, headOffice: false };
const headOffice: Identity = { rlsUserId: HEAD_OFFICE_ID, label: 'head office', headOffice: true };

beforeAll(async () => {
  db = await createZavaTestDatabase({ scale: 'tiny' });
  pool = loginPool(db.loginUrl);
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

function connect(identity: Identity | null, overrides = {}) {
  return connectInMemory({
    db: { pool, where: 'test database' },
    config: serveConfig(db.readerRole, overrides),
    identity,
  });
}

describe('discovery', () => {
  test('lists the four Zava tools, read-only, with output schemas, without an identity', async () => {
    const { client, close } = await connect(null);
    try {
      expect(client.getServerVersion()?.name).toBe('mcp-zava-sales');
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual([
        'get_multiple_table_schemas',
        'execute_sales_query',
        'semantic_search_products',
        'get_current_utc_date',
      ]);
      for (const tool of tools) {
        expect(tool.annotations).toMatchObject({
          readOnlyHint: true,
          destructiveHint: false,
          openWorldHint: false,
        });
        expect(tool.outputSchema).toBeDefined();
      }
      const execute = tools.find((tool) => tool.name === 'execute_sales_query')!;
      expect(execute.inputSchema.required).toEqual(['postgresql_query']);
      const search = tools.find((tool) => tool.name === 'semantic_search_products')!;
      expect(Object.keys(search.inputSchema.properties ?? {})).toEqual([
        'query_description',
        'max_rows',
        'similarity_threshold',
      ]);
      const { resources } = await client.listResources();
      expect(resources.map((r) => r.uri)).toContain('schema://retail/orders');
      expect(resources).toHaveLength(8);
      await client.ping();
    } finally {
      await close();
    }
  });

  test('data calls without an identity are refused with how to give one', async () => {
    const { client, close } = await connect(null);
    try {
      const answer = await callTool(client, 'execute_sales_query', { postgresql_query: 'SELECT 1' });
      expect(answer.isError).toBe(true);
      expect(answer.json.err).toMatch(/no store identity.*--store/);
      const schemas = await callTool(client, 'get_multiple_table_schemas', {
        table_names: ['retail.orders'],
      });
      expect(schemas.isError).toBe(true);
      await expect(client.readResource({ uri: 'schema://retail/orders' })).rejects.toThrow(
        /no store identity/,
      );
      // The date needs no identity.
      expect((await callTool(client, 'get_current_utc_date')).isError).toBe(false);
    } finally {
      await close();
    }
  });
});

describe('row-level security through the tool', () => {
  test('every store sees exactly its own orders; head office sees all', async () => {
    const truth = await ordersPerStore(db.admin);
    const total = [...truth.values()].reduce((a, b) => a + b, 0);
    expect(truth.size).toBe(8);
    const counts = new Set<number>();
    for (const store of STORES) {
      const { client, close } = await connect({
        rlsUserId: store.rlsUserId,
        label: store.name,
        headOffice: false,
      });
      try {
        const answer = await callTool(client, 'execute_sales_query', {
          postgresql_query: 'SELECT count(*) FROM retail.orders',
        });
        expect(answer.isError, answer.text).toBe(false);
        expect(answer.json).toEqual({ c: ['count'], r: [[truth.get(store.rlsUserId)]], n: 1 });
        expect(answer.structured).toEqual(answer.json);
        counts.add(answer.json.r[0][0]);
      } finally {
        await close();
      }
    }
    expect(counts.size).toBeGreaterThan(1);
    const { client, close } = await connect(headOffice);
    try {
      const answer = await callTool(client, 'execute_sales_query', {
        postgresql_query: 'SELECT count(*) FROM retail.orders',
      });
      expect(answer.json.r[0][0]).toBe(total);
    } finally {
      await close();
    }
  });
});

describe('execute_sales_query results', () => {
  let client: Awaited<ReturnType<typeof connect>>;
  beforeAll(async () => {
    client = await connect(seattle, { maxRows: 5, maxBytes: 4096, statementTimeoutMs: 800 });
  });
  afterAll(() => client.close());
  const run = (sql: string) => callTool(client.client, 'execute_sales_query', { postgresql_query: sql });

  test('money stays exact text, dates stay dates, counts are numbers, booleans are booleans', async () => {
    const answer = await run(
      `SELECT oi.unit_price, o.order_date, count(*) OVER () AS lines, s.is_online, 0.1::float8 AS f
       FROM retail.order_items oi JOIN retail.orders o ON o.order_id = oi.order_id
       JOIN retail.stores s ON s.store_id = o.store_id ORDER BY oi.order_item_id LIMIT 1`,
    );
    expect(answer.isError, answer.text).toBe(false);
    const [price, date, lines, online, f] = answer.json.r[0];
    expect(price).toMatch(/^\d+\.\d{2}$/);
    expect(date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(typeof lines).toBe('number');
    expect(online).toBe(false);
    expect(f).toBe(0.1);
  });

  test('no rows gives the empty shape with a message', async () => {
    const answer = await run("SELECT order_id FROM retail.orders WHERE order_date < DATE '1900-01-01'");
    expect(answer.isError).toBe(false);
    expect(answer.json).toMatchObject({ c: [], r: [], n: 0 });
    expect(answer.json.msg).toMatch(/no rows/);
  });

  test('the row cap truncates, says so and says how to narrow', async () => {
    const answer = await run('SELECT order_id FROM retail.orders ORDER BY order_id');
    expect(answer.isError).toBe(false);
    expect(answer.json.n).toBe(5);
    expect(answer.json.truncated).toBe(true);
    expect(answer.json.msg).toMatch(/cap is 5 rows.*GROUP BY/);
  });

  test('exactly the cap is not truncated; an error after some rows leaves no partial result', async () => {
    const five = await run('SELECT g FROM generate_series(1, 5) AS g');
    expect(five.json).toEqual({ c: ['g'], r: [[1], [2], [3], [4], [5]], n: 5 });
    const six = await run('SELECT g FROM generate_series(1, 6) AS g');
    expect(six.json.truncated).toBe(true);
    const midway = await run('SELECT 1 / (3 - g) AS x FROM generate_series(1, 5) AS g');
    expect(midway.isError).toBe(true);
    expect(midway.json).toEqual({ err: expect.stringMatching(/division by zero/), c: [], r: [], n: 0 });
    expect((await run('SELECT 2 AS two')).json.r).toEqual([[2]]);
  });

  test('the byte cap truncates inside the row cap', async () => {
    const answer = await run("SELECT repeat('x', 1500) AS filler FROM generate_series(1, 4)");
    expect(answer.json.truncated).toBe(true);
    expect(answer.json.n).toBe(2);
    expect(answer.json.msg).toMatch(/4096 bytes/);
    expect(Buffer.byteLength(JSON.stringify(answer.json.r))).toBeLessThanOrEqual(4096);
  });

  test('a query over the statement timeout is cancelled with advice', async () => {
    const answer = await run('SELECT count(*) FROM generate_series(1, 500000000)');
    expect(answer.isError).toBe(true);
    expect(answer.json.err).toMatch(/800 ms limit.*Narrow it/);
    // The session is usable afterwards.
    expect((await run('SELECT 1 AS one')).json.r).toEqual([[1]]);
  });

  test('syntax errors give the PostgreSQL message and position, never a stack', async () => {
    const answer = await run('SELECT order_id FORM retail.orders');
    expect(answer.isError).toBe(true);
    expect(answer.json).toMatchObject({ c: [], r: [], n: 0 });
    expect(answer.json.err).toMatch(/syntax error at or near "retail" at position 22/);
    expect(answer.text).not.toMatch(/\n\s+at /);
  });

  test('database errors come back in the err shape', async () => {
    const missing = await run('SELECT total FROM retail.orders');
    expect(missing.isError).toBe(true);
    expect(missing.json.err).toMatch(/column "total" does not exist/);
    const zero = await run('SELECT 1 / 0');
    expect(zero.json.err).toMatch(/division by zero/);
  });

  test('identity never comes from tool arguments', async () => {
    const truth = await ordersPerStore(db.admin);
    const answer = await callTool(client.client, 'execute_sales_query', {
      postgresql_query: 'SELECT count(*) FROM retail.orders',
      rls_user_id: HEAD_OFFICE_ID,
      'x-rls-user-id': HEAD_OFFICE_ID,
    });
    expect(answer.json.r[0][0]).toBe(truth.get(seattle.rlsUserId));
  });

  test('bad input: empty SQL, missing and wrong-typed arguments, unknown tool', async () => {
    expect((await run('   ')).json.err).toMatch(/empty/);
    const missing = await callTool(client.client, 'execute_sales_query', {});
    expect(missing.isError).toBe(true);
    expect(missing.text).toMatch(/postgresql_query/);
    const wrong = await callTool(client.client, 'execute_sales_query', { postgresql_query: 42 });
    expect(wrong.isError).toBe(true);
    expect(wrong.text).toMatch(/Input validation error/);
    const unknown = await callTool(client.client, 'drop_everything', {});
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toMatch(/Tool drop_everything not found/);
  });

  test('semantic search on a server without an embedding provider says so, with no rows', async () => {
    const answer = await callTool(client.client, 'semantic_search_products', { query_description: 'drill' });
    expect(answer.isError).toBe(true);
    expect(answer.json).toMatchObject({ c: [], r: [], n: 0 });
    expect(answer.json.err).toMatch(/not (available|configured)/);
  });

  test('get_current_utc_date is ISO 8601 UTC', async () => {
    const answer = await callTool(client.client, 'get_current_utc_date');
    expect(answer.text).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Math.abs(Date.parse(answer.text) - Date.now())).toBeLessThan(60_000);
    expect(answer.structured.date).toBe(answer.text.slice(0, 10));
  });
});

describe('get_multiple_table_schemas', () => {
  test('Markdown from the live catalog: columns, relationships, valid values, hints', async () => {
    const { client, close } = await connect(seattle);
    try {
      const answer = await callTool(client, 'get_multiple_table_schemas', {
        table_names: ['retail.orders', 'order_items', 'retail.products'],
      });
      expect(answer.isError, answer.text).toBe(false);
      expect(answer.structured.tables.map((t: { name: string }) => t.name)).toEqual([
        'retail.orders',
        'retail.order_items',
        'retail.products',
      ]);
      expect(answer.text).toContain('- order_date:date');
      expect(answer.text).toContain('- unit_price:numeric(10,2)');
      expect(answer.text).toMatch(
        /retail\.orders\.customer_id → retail\.customers\.customer_id \(MANY_TO_ONE\)/,
      );
      expect(answer.text).toMatch(/retail\.orders\.order_id ← retail\.order_items\.order_id \(ONE_TO_MANY\)/);
      expect(answer.text).toMatch(/order years .*20\d\d/);
      expect(answer.text).toContain('POWER TOOLS');
      expect(answer.text).toMatch(/NO total column/);
    } finally {
      await close();
    }
  });

  test('invalid table names are refused with the valid list', async () => {
    const { client, close } = await connect(seattle);
    try {
      const answer = await callTool(client, 'get_multiple_table_schemas', {
        table_names: ['retail.orders', 'pg_authid'],
      });
      expect(answer.isError).toBe(true);
      expect(answer.text).toMatch(
        /unknown table name: "pg_authid"\. Valid table names: retail\.stores, .*retail\.order_items/,
      );
      const empty = await callTool(client, 'get_multiple_table_schemas', { table_names: [] });
      expect(empty.isError).toBe(true);
    } finally {
      await close();
    }
  });

  test('valid values are per identity and never served from another identity cache', async () => {
    const other = STORES[1];
    const { rows } = await db.admin.query('SELECT store_id FROM retail.stores WHERE rls_user_id = $1', [
      seattle.rlsUserId,
    ]);
    const { rows: customer } = await db.admin.query('SELECT customer_id FROM retail.customers LIMIT 1');
    // One shared server (one cache); Bellevue reads first, then an order appears for Seattle only.
    let current: Identity = { rlsUserId: other.rlsUserId, label: other.name, headOffice: false };
    const { client, close } = await connect(null, {}).then(async (c) => {
      await c.close();
      return connectInMemory({
        db: { pool, where: 'test database' },
        config: serveConfig(db.readerRole),
        identity: () => current,
      });
    });
    try {
      const before = await callTool(client, 'get_multiple_table_schemas', { table_names: ['retail.orders'] });
      expect(before.text).not.toContain('1999');
      await db.admin.query(
        "INSERT INTO retail.orders (customer_id, store_id, order_date) VALUES ($1, $2, DATE '1999-06-01')",
        [customer[0].customer_id, rows[0].store_id],
      );
      current = seattle;
      const seattleView = await callTool(client, 'get_multiple_table_schemas', {
        table_names: ['retail.orders'],
      });
      expect(seattleView.text).toMatch(/order years[^\n]*1999/);
      current = { rlsUserId: other.rlsUserId, label: other.name, headOffice: false };
      const again = await callTool(client, 'get_multiple_table_schemas', { table_names: ['retail.orders'] });
      expect(again.text).not.toContain('1999');
      const resource = await client.readResource({ uri: 'schema://retail/orders' });
      expect((resource.contents[0] as { text: string }).text).toContain('## retail.orders');
    } finally {
      await close();
      await db.admin.query("DELETE FROM retail.orders WHERE order_date = DATE '1999-06-01'");
    }
  });
});

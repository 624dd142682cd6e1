import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { STORES } from '../../src/db/stores.js';
import type { RunningServe } from '../../src/mcp/serve.js';
import { callTool, ordersPerStore } from '../serve/support.js';
import { createZavaTestDatabase, type ZavaTestDatabase } from '../support/zava.js';
import { sdkClient, serveHttp } from './harness.js';

const redmond = STORES.find((s) => s.name.endsWith('Redmond'))!;

let db: ZavaTestDatabase;
let running: RunningServe;
let total: number;

beforeAll(async () => {
  db = await createZavaTestDatabase({ scale: 'tiny' });
  // Planner statistics as a real server has them after autovacuum.
  await db.admin.query('ANALYZE retail.orders, retail.customers');
  total = [...(await ordersPerStore(db.admin)).values()].reduce((a, b) => a + b, 0);
  running = await serveHttp(db.loginUrl, { MCPOPS_CACHE_TTL_SECONDS: '0' });
});
afterAll(async () => {
  await running?.stop();
  await db?.drop();
});

describe('statistics that count every store are refused over HTTP, as a store', () => {
  test.each([
    "SELECT reltuples::bigint FROM pg_class WHERE oid = 'retail.orders'::regclass",
    "SELECT n_live_tup, n_tup_ins FROM pg_stat_user_tables WHERE relname = 'orders'",
    "SELECT pg_stat_get_live_tuples('retail.orders'::regclass)",
    "SELECT most_common_vals::text FROM pg_stats WHERE tablename = 'customers'",
    'SELECT max(ctid) FROM retail.orders',
  ])('%s', async (sql) => {
    const client = await sdkClient(running.url!, { 'x-rls-user-id': redmond.rlsUserId });
    try {
      const own = await callTool(client, 'execute_sales_query', {
        postgresql_query: 'SELECT count(*) FROM retail.orders',
      });
      expect(own.json.r[0][0]).toBeLessThan(total);
      const answer = await callTool(client, 'execute_sales_query', { postgresql_query: sql });
      expect(answer.isError, `leaked: ${answer.text}`).toBe(true);
      expect(answer.json.err).toMatch(/row-level security hides/);
      expect(answer.text).not.toContain(String(total));
    } finally {
      await client.close();
    }
  });
});

import { tmpdir } from 'node:os';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { assertConfigValid, loadConfig } from '../../src/config/load.js';
import { parseCount } from '../../src/db/sql-parser.js';
import { STORES } from '../../src/db/stores.js';
import { silentLogger } from '../../src/mcp/log.js';
import { createProductionParts, type ProductionParts } from '../../src/mcp/production.js';
import { createZavaTestDatabase, type ZavaTestDatabase } from '../support/zava.js';
import { callTool, connectInMemory, type InMemoryServer, loginPool, serveConfig } from './support.js';

// The SQL of one execute_sales_query call goes through the grammar once: the result-cache key
// and the guard read the same tree (before, the key, the guard and its normalizer each parsed it).
let db: ZavaTestDatabase;
let pool: pg.Pool;
let production: ProductionParts;
let server: InMemoryServer;

beforeAll(async () => {
  db = await createZavaTestDatabase({ scale: 'tiny' });
  pool = loginPool(db.loginUrl);
  const config = assertConfigValid(await loadConfig({ env: {}, cwd: tmpdir() }));
  production = await createProductionParts(config, pool, silentLogger);
  const store = STORES[0];
  server = await connectInMemory({
    db: { pool, where: db.name },
    config: serveConfig(db.readerRole, { cacheTtlSeconds: 300 }),
    identity: { rlsUserId: store.rlsUserId, label: store.name, headOffice: false },
    production,
  });
}, 60_000);
afterAll(async () => {
  await server?.close();
  await production?.close();
  await pool?.end();
  await db?.drop();
});

async function parsesDuring(sql: string) {
  const before = parseCount();
  const answer = await callTool(server.client, 'execute_sales_query', { postgresql_query: sql });
  return { answer, parses: parseCount() - before };
}

describe('execute_sales_query parses its SQL once per call', () => {
  test('with the result cache on: one parse for a miss, one for a hit', async () => {
    const sql = "SELECT count(*) AS n FROM retail.orders WHERE order_date >= DATE '2020-01-01'";
    const miss = await parsesDuring(sql);
    expect(miss.answer.isError, miss.answer.text).toBe(false);
    expect(miss.parses).toBe(1);
    const hit = await parsesDuring(sql);
    expect(hit.answer.json).toEqual(miss.answer.json);
    expect(hit.parses).toBe(1);
  });

  test('a refused statement is parsed once too', async () => {
    const refused = await parsesDuring('SELECT pg_sleep(1)');
    expect(refused.answer.isError).toBe(true);
    expect(refused.parses).toBe(1);
  });
});

import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HEAD_OFFICE_ID, STORES } from '../../src/db/stores.js';
import { ATTACKS, LEGITIMATE_QUERIES } from '../fixtures/attacks.js';
import { createZavaTestDatabase, type ZavaTestDatabase } from '../support/zava.js';
import {
  callTool,
  connectInMemory,
  type InMemoryServer,
  loginPool,
  ordersPerStore,
  retailChecksums,
  serveConfig,
} from './support.js';

const TIMEOUT_MS = 1500;
const seattle = STORES[0];

let db: ZavaTestDatabase;
let pool: pg.Pool;
let server: InMemoryServer;
let before: Record<string, string>;

beforeAll(async () => {
  db = await createZavaTestDatabase({ scale: 'tiny' });
  pool = loginPool(db.loginUrl);
  server = await connectInMemory({
    db: { pool, where: 'test database' },
    config: serveConfig(db.readerRole, {
      statementTimeoutMs: TIMEOUT_MS,
      maxRows: 1000,
      maxBytes: 1_048_576,
    }),
    identity: { rlsUserId: seattle.rlsUserId, label: seattle.name, headOffice: false },
  });
  before = await retailChecksums(db.admin);
});

afterAll(async () => {
  await server?.close();
  await pool?.end();
  await db?.drop();
});

const query = (sql: string) => callTool(server.client, 'execute_sales_query', { postgresql_query: sql });

describe('attack suite through execute_sales_query', () => {
  test('the suite is big enough and covers every category the issue names', () => {
    expect(ATTACKS.length).toBeGreaterThanOrEqual(60);
    const categories = new Set(ATTACKS.map((a) => a.category));
    for (const c of [
      'stacked',
      'transaction',
      'session',
      'identity',
      'writable-cte',
      'locking',
      'explain',
      'statistics',
      'copy',
      'procedural',
      'prepared',
      'file-access',
      'large-object',
      'sleep',
      'backend',
      'obfuscation',
      'huge-result',
    ])
      expect(categories, c).toContain(c);
  });

  test.each(ATTACKS.map((attack) => [attack.name, attack] as const))('%s', async (_name, attack) => {
    const started = Date.now();
    const answer = await query(attack.sql);
    const elapsed = Date.now() - started;
    if (attack.expect === 'guard') {
      // (a) refused, saying what was found
      expect(answer.isError, answer.text).toBe(true);
      expect(answer.json).toMatchObject({ c: [], r: [], n: 0 });
      expect(answer.json.err).toMatch(attack.syntax ? /syntax|SQL/i : /SQL rejected/);
      if (attack.mentions) expect(answer.json.err.toLowerCase()).toContain(attack.mentions.toLowerCase());
      expect(elapsed).toBeLessThan(TIMEOUT_MS);
    } else {
      // (a) stopped by the timeout (isError with advice) or cut by a cap (truncated, with the cap)
      if (answer.isError) expect(answer.json.err).toMatch(/limit and was cancelled/);
      else {
        expect(answer.json.truncated, answer.text.slice(0, 200)).toBe(true);
        expect(answer.json.msg).toMatch(/cap is/);
        expect(Buffer.byteLength(answer.text)).toBeLessThan(1_048_576 + 10_000);
      }
      expect(elapsed).toBeLessThan(TIMEOUT_MS + 5000);
    }
    expect(answer.text).not.toMatch(/\n\s+at /);
    // (b) nothing changed anywhere
    expect(await retailChecksums(db.admin)).toEqual(before);
    // (c) the server still answers, still as Seattle
    const after = await query('SELECT 1 AS alive');
    expect(after.json).toEqual({ c: ['alive'], r: [[1]], n: 1 });
  });

  test('after every attack the identity is intact: Seattle still sees only Seattle', async () => {
    const truth = await ordersPerStore(db.admin);
    const answer = await query('SELECT count(*) FROM retail.orders');
    expect(answer.json.r[0][0]).toBe(truth.get(seattle.rlsUserId));
    const guc = await query("SELECT current_setting('app.current_rls_user_id', true) AS who");
    expect(guc.json.r[0][0]).toBe(seattle.rlsUserId);
  });
});

describe('legitimate analyst queries keep working', () => {
  test.each(LEGITIMATE_QUERIES.map((q) => [q.name, q.sql] as const))('%s', async (_name, sql) => {
    const answer = await query(sql);
    expect(answer.isError, answer.text).toBe(false);
    expect(answer.json.err).toBeUndefined();
  });

  test('head office runs them too', async () => {
    const office = await connectInMemory({
      db: { pool, where: 'test database' },
      config: serveConfig(db.readerRole, { statementTimeoutMs: TIMEOUT_MS }),
      identity: { rlsUserId: HEAD_OFFICE_ID, label: 'head office', headOffice: true },
    });
    try {
      for (const { sql } of LEGITIMATE_QUERIES) {
        const answer = await callTool(office.client, 'execute_sales_query', { postgresql_query: sql });
        expect(answer.isError, `${sql}\n${answer.text}`).toBe(false);
      }
    } finally {
      await office.close();
    }
  });
});

import { tmpdir } from 'node:os';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { STORES } from '../../src/db/stores.js';
import type { RunningServe } from '../../src/mcp/serve.js';
import { sdkClient, serveHttp } from '../production/harness.js';
import { CLI } from '../support/cli.js';
import type { ZavaTestDatabase } from '../support/zava.js';
import { callTool, useTinyZava } from './support.js';

const seattle = STORES[0];
const COUNT = { postgresql_query: 'SELECT count(*) FROM retail.orders' };

let db: ZavaTestDatabase;
let truth: Map<string, number>;

useTinyZava((fixture) => {
  ({ db, truth } = fixture);
});

/** Polls `probe` every 100 ms until it returns true or `withinMs` passes; returns the time it took. */
async function within(withinMs: number, probe: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < withinMs) {
    if (await probe()) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not within ${withinMs} ms`);
}

const refused = async (client: Client) => {
  const answer = await callTool(client, 'execute_sales_query', COUNT);
  // Until the next re-check (the interval) the open table still answers.
  if (!answer.isError) return false;
  expect(answer.json.err).toMatch(/row-level security does not close retail\.\w+/);
  expect(answer.json).toMatchObject({ c: [], r: [], n: 0 });
  return true;
};
const answersOwnRows = async (client: Client) => {
  const answer = await callTool(client, 'execute_sales_query', COUNT);
  return !answer.isError && answer.json.r[0][0] === truth.get(seattle.rlsUserId);
};

describe('serve over HTTP fails closed when row security opens', () => {
  let running: RunningServe;
  let client: Client;
  const ready = async () => (await fetch(new URL('/ready', running.url!))).status;

  beforeAll(async () => {
    running = await serveHttp(db.loginUrl, {
      MCPOPS_POSTURE_RECHECK_SECONDS: '1',
      MCPOPS_CACHE_TTL_SECONDS: '0',
      MCPOPS_RATE_LIMIT_BURST: '100000',
      MCPOPS_RATE_LIMIT_PER_MINUTE: '100000',
    });
    client = await sdkClient(running.url!, { 'x-rls-user-id': seattle.rlsUserId });
  });
  afterAll(async () => {
    await client?.close();
    await running?.stop();
  });

  test('RLS disabled on retail.orders: refused and /ready 503 within the interval; recovers', async () => {
    expect(await ready()).toBe(200);
    expect(await answersOwnRows(client)).toBe(true);
    await db.admin.query('ALTER TABLE retail.orders DISABLE ROW LEVEL SECURITY');
    try {
      await within(2500, () => refused(client));
      const answer = await fetch(new URL('/ready', running.url!));
      expect(answer.status).toBe(503);
      expect(await answer.json()).toMatchObject({ posture: 'open', status: 'unavailable' });
      // Schemas and resources go through the same gate.
      const schemas = await callTool(client, 'get_multiple_table_schemas', {
        table_names: ['retail.orders'],
      });
      expect(schemas.isError).toBe(true);
    } finally {
      await db.admin.query('ALTER TABLE retail.orders ENABLE ROW LEVEL SECURITY');
    }
    await within(2500, () => answersOwnRows(client));
    expect(await ready()).toBe(200);
  });

  test('a dropped policy or RLS no longer forced is open too', async () => {
    const { rows } = await db.admin.query(
      `SELECT pg_get_expr(polqual, polrelid) AS qual FROM pg_policy
       WHERE polrelid = 'retail.inventory'::regclass AND polname = 'zava_store_read'`,
    );
    await db.admin.query('DROP POLICY zava_store_read ON retail.inventory');
    try {
      await within(2500, () => refused(client));
      expect(await ready()).toBe(503);
    } finally {
      await db.admin.query(
        `CREATE POLICY zava_store_read ON retail.inventory FOR SELECT TO PUBLIC USING (${rows[0].qual})`,
      );
    }
    await within(2500, () => answersOwnRows(client));

    await db.admin.query('ALTER TABLE retail.customers NO FORCE ROW LEVEL SECURITY');
    try {
      await within(2500, () => refused(client));
    } finally {
      await db.admin.query('ALTER TABLE retail.customers FORCE ROW LEVEL SECURITY');
    }
    await within(2500, () => answersOwnRows(client));
    expect(await ready()).toBe(200);
  });
});

describe('serve over stdio fails closed too', () => {
  test('RLS disabled: calls refused within the interval; re-enabled: calls resume', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, 'serve', '--database-url', db.loginUrl, '--store', seattle.name],
      env: {
        PATH: process.env.PATH ?? '',
        HOME: tmpdir(),
        CI: 'true',
        MCPOPS_POSTURE_RECHECK_SECONDS: '1',
        MCPOPS_CACHE_TTL_SECONDS: '0',
      },
      cwd: tmpdir(),
      stderr: 'pipe',
    });
    const client = new Client({ name: 'posture-stdio', version: '0.0.0' });
    await client.connect(transport);
    try {
      await client.listTools();
      expect(await answersOwnRows(client)).toBe(true);
      await db.admin.query('ALTER TABLE retail.orders DISABLE ROW LEVEL SECURITY');
      try {
        await within(2500, () => refused(client));
      } finally {
        await db.admin.query('ALTER TABLE retail.orders ENABLE ROW LEVEL SECURITY');
      }
      await within(2500, () => answersOwnRows(client));
    } finally {
      await client.close();
    }
  });
});

import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { STORES } from '../../src/db/stores.js';
import type { RunningServe } from '../../src/mcp/serve.js';
import { callTool } from '../serve/support.js';
import { startProxy } from '../support/tcp-proxy.js';
import { createZavaTestDatabase, type ZavaTestDatabase } from '../support/zava.js';
import { sdkClient, serveHttp } from './harness.js';

const seattle = { 'x-rls-user-id': STORES[0].rlsUserId };
const DATA_TOOLS = [
  ['get_multiple_table_schemas', { table_names: ['retail.orders'] }],
  ['execute_sales_query', { postgresql_query: 'SELECT count(*) FROM retail.orders' }],
  ['semantic_search_products', { query_description: 'cordless drill' }],
] as const;

let db: ZavaTestDatabase;
let proxy: Awaited<ReturnType<typeof startProxy>>;
let running: RunningServe;
let url: string;

beforeAll(async () => {
  db = await createZavaTestDatabase({ scale: 'tiny' });
  const real = new URL(db.loginUrl);
  proxy = await startProxy({ host: real.hostname, port: Number(real.port || 5432) });
  const via = new URL(db.loginUrl);
  via.port = String(proxy.port);
  running = await serveHttp(via.toString(), {
    MCPOPS_CACHE_TTL_SECONDS: '0',
    MCPOPS_BREAKER_FAILURES: '3',
    MCPOPS_BREAKER_RESET_SECONDS: '600',
    MCPOPS_STATEMENT_TIMEOUT_MS: '1000',
    MCPOPS_POOL_QUEUE_TIMEOUT_MS: '2000',
  });
  url = running.url!;
});
afterAll(async () => {
  await running?.stop();
  await proxy?.stop().catch(() => {});
  await db?.drop();
});

async function ready(): Promise<{ status: number; body: any }> {
  const answer = await fetch(new URL('/ready', url));
  return { status: answer.status, body: await answer.json() };
}

/**
 * Calls a tool through the SDK client, which checks structuredContent against the tool's output
 * schema (a mismatch throws -32602); returns the error text the model would see.
 */
async function toolError(client: Client, name: string, args: object): Promise<string> {
  const answer = await callTool(client, name, args as Record<string, unknown>);
  expect(answer.isError, `${name}: ${answer.text}`).toBe(true);
  if (answer.structured) expect(answer.structured.err).toBe(answer.json?.err ?? answer.text);
  return answer.text;
}

describe('every tool error is valid against the tool output schema (SDK client)', () => {
  test('no identity: each data tool refuses in its own shape; the date tool still answers', async () => {
    const anonymous = await sdkClient(url);
    try {
      for (const [name, args] of DATA_TOOLS)
        expect(await toolError(anonymous, name, args)).toMatch(/x-rls-user-id|identity/i);
      const date = await callTool(anonymous, 'get_current_utc_date');
      expect(date.isError).toBe(false);
      expect(date.structured.date).toMatch(/^\d{4}-\d\d-\d\d$/);
    } finally {
      await anonymous.close();
    }
  });

  test('refusals and bad arguments: guard, unknown table, out-of-range search', async () => {
    const client = await sdkClient(url, seattle);
    try {
      expect(
        await toolError(client, 'execute_sales_query', { postgresql_query: 'SELECT pg_sleep(1)' }),
      ).toContain('SQL rejected');
      expect(
        await toolError(client, 'get_multiple_table_schemas', { table_names: ['retail.nope'] }),
      ).toContain('unknown table name');
      expect(
        await toolError(client, 'semantic_search_products', {
          query_description: 'drill',
          similarity_threshold: 1000,
        }),
      ).toMatch(/similarity/i);
    } finally {
      await client.close();
    }
  });

  test('timeout: the statement limit ends the query with advice', async () => {
    const client = await sdkClient(url, seattle);
    try {
      const text = await toolError(client, 'execute_sales_query', {
        postgresql_query: 'SELECT count(*) FROM generate_series(1, 500000000)',
      });
      expect(text).toContain('limit and was cancelled');
    } finally {
      await client.close();
    }
  });

  test('resource read without identity: one clean MCP error, no doubled prefix', async () => {
    const anonymous = await sdkClient(url);
    try {
      const error = await anonymous.readResource({ uri: 'schema://retail/orders' }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.message).toMatch(/^MCP error -32600: [^M]/);
      expect(error?.message.match(/MCP error/g)).toHaveLength(1);
    } finally {
      await anonymous.close();
    }
  });
});

describe('database down, then the breaker open: /ready tells the truth and errors stay valid', () => {
  test('ready while the database answers', async () => {
    expect(await ready()).toMatchObject({ status: 200, body: { status: 'ready', breaker: 'closed' } });
  });

  test('the database port closes: /ready 503 unreachable, then breaker open; tools answer in shape', async () => {
    const client = await sdkClient(url, seattle);
    try {
      await proxy.stop();
      const down = await ready();
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({ status: 'unavailable', database: 'unreachable' });
      // Three failures (one per data tool) open the breaker.
      for (const [name, args] of DATA_TOOLS)
        expect(await toolError(client, name, args)).toMatch(/not reachable|unavailable/);
      const open = await ready();
      expect(open.status).toBe(503);
      expect(open.body).toMatchObject({ status: 'unavailable', breaker: 'open' });
      expect(open.body.reason).toContain('circuit breaker is open');
      for (const [name, args] of DATA_TOOLS)
        expect(await toolError(client, name, args)).toContain('circuit open');
      expect((await callTool(client, 'get_current_utc_date')).isError).toBe(false);
    } finally {
      await client.close();
    }
  });
});

describe('rate limited calls fail cleanly through the SDK client', () => {
  test('429 reaches the client as an HTTP error, never a schema mismatch', async () => {
    const limited = await serveHttp(db.loginUrl, {
      MCPOPS_RATE_LIMIT_BURST: '3',
      MCPOPS_RATE_LIMIT_PER_MINUTE: '1',
    });
    const client = await sdkClient(limited.url!, seattle);
    try {
      const tools = [...DATA_TOOLS, ['get_current_utc_date', {}] as const];
      let limitedCalls = 0;
      for (const [name, args] of tools) {
        const error = await client.callTool({ name, arguments: args as Record<string, unknown> }).then(
          () => undefined,
          (e: Error) => e,
        );
        if (!error) continue;
        limitedCalls += 1;
        expect(error.message).toMatch(/429|rate limit/i);
        expect(error.message).not.toContain('-32602');
      }
      expect(limitedCalls).toBeGreaterThanOrEqual(3);
    } finally {
      await client.close().catch(() => {});
      await limited.stop();
    }
  });
});

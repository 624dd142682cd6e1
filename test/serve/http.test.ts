import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { assertConfigValid, loadConfig } from '../../src/config/load.js';
import { HEAD_OFFICE_ID, STORES } from '../../src/db/stores.js';
import { silentLogger } from '../../src/mcp/log.js';
import { type RunningServe, startServe } from '../../src/mcp/serve.js';
import { CLI } from '../support/cli.js';
import { startProxy } from '../support/tcp-proxy.js';
import type { ZavaTestDatabase } from '../support/zava.js';
import { callTool, useTinyZava } from './support.js';

let db: ZavaTestDatabase;
let truth: Map<string, number>;

useTinyZava((fixture) => {
  ({ db, truth } = fixture);
});

async function serveHttp(
  databaseUrl: string,
  extra: Record<string, string> = {},
  stateless = false,
): Promise<RunningServe> {
  const loaded = await loadConfig({
    env: { DATABASE_URL: databaseUrl, MCPOPS_HTTP_PORT: '0', MCPOPS_STATEMENT_TIMEOUT_MS: '5000', ...extra },
    cwd: tmpdir(),
  });
  return startServe({ config: assertConfigValid(loaded), http: true, stateless, log: silentLogger });
}

async function httpClient(url: string, rlsUserId?: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: rlsUserId === undefined ? {} : { headers: { 'x-rls-user-id': rlsUserId } },
  });
  const client = new Client({ name: 'http-test', version: '0.0.0' });
  await client.connect(transport);
  return client;
}

const count = async (client: Client) =>
  (await callTool(client, 'execute_sales_query', { postgresql_query: 'SELECT count(*) FROM retail.orders' }))
    .json.r?.[0]?.[0];

describe('serve over Streamable HTTP', () => {
  let running: RunningServe;
  let base: string;
  beforeAll(async () => {
    running = await serveHttp(db.loginUrl);
    base = running.url!.replace(/\/mcp$/, '');
  });
  afterAll(() => running?.stop());

  test('every store over one server gets its own count; head office gets all', async () => {
    const total = [...truth.values()].reduce((a, b) => a + b, 0);
    for (const store of STORES) {
      const client = await httpClient(running.url!, store.rlsUserId);
      expect(await count(client)).toBe(truth.get(store.rlsUserId));
      await client.close();
    }
    const office = await httpClient(running.url!, HEAD_OFFICE_ID);
    expect(await count(office)).toBe(total);
    await office.close();
  });

  test('no header: discovery works, data calls are refused with the header to send', async () => {
    const client = await httpClient(running.url!);
    try {
      expect((await client.listTools()).tools).toHaveLength(4);
      expect((await client.listResources()).resources).toHaveLength(8);
      const answer = await callTool(client, 'execute_sales_query', { postgresql_query: 'SELECT 1' });
      expect(answer.isError).toBe(true);
      expect(answer.json.err).toMatch(/send the x-rls-user-id header/);
    } finally {
      await client.close();
    }
  });

  test('a malformed or unknown x-rls-user-id is refused (403) with the valid ids', async () => {
    await expect(httpClient(running.url!, "' OR 1=1 --")).rejects.toThrow(
      /not a UUID[\s\S]*Zava Retail Seattle/,
    );
    await expect(httpClient(running.url!, '11111111-2222-3333-4444-555555555555')).rejects.toThrow(
      /is not the rls_user_id of any store/,
    );
    const empty = await fetch(running.url!, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'x-rls-user-id': '',
      },
      body: '{}',
    });
    expect(empty.status).toBe(403);
    const malformed = await fetch(running.url!, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'x-rls-user-id': 'seattle',
      },
      body: '{}',
    });
    expect(malformed.status).toBe(403);
    expect((await malformed.json()).error.message).toMatch(/must be a store's rls_user_id/);
  });

  test('/health, /ready, 404, body limit and bad JSON answer without stack traces', async () => {
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(200);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const big = await fetch(running.url!, { method: 'POST', headers, body: `"${'x'.repeat(2_000_000)}"` });
    expect(big.status).toBe(413);
    expect(await big.text()).toMatch(/larger than 1048576 bytes/);
    const bad = await fetch(running.url!, { method: 'POST', headers, body: '{"jsonrpc": ' });
    expect(bad.status).toBe(400);
    const text = await bad.text();
    expect(text).toMatch(/not valid JSON/);
    expect(text).not.toMatch(/\bat .*\.js:\d+/);
    const noSession = await fetch(running.url!, {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(noSession.status).toBe(400);
  });
});

describe('stateless HTTP', () => {
  test('each request stands alone; GET is not allowed', async () => {
    const running = await serveHttp(db.loginUrl, {}, true);
    try {
      const tacoma = STORES[2];
      const client = await httpClient(running.url!, tacoma.rlsUserId);
      expect(await count(client)).toBe(truth.get(tacoma.rlsUserId));
      expect(await count(client)).toBe(truth.get(tacoma.rlsUserId));
      await client.close();
      expect(
        (await fetch(running.url!, { method: 'GET', headers: { accept: 'text/event-stream' } })).status,
      ).toBe(405);
    } finally {
      await running.stop();
    }
  });
});

describe('resilience', () => {
  test('database down while serving: tool error, server up, /ready 503; recovers when it returns', async () => {
    const real = new URL(db.loginUrl);
    let proxy = await startProxy({ host: real.hostname, port: Number(real.port || 5432) });
    const viaProxy = new URL(db.loginUrl);
    viaProxy.port = String(proxy.port);
    // The result cache would answer the repeated question while the database is away.
    const running = await serveHttp(viaProxy.toString(), { MCPOPS_CACHE_TTL_SECONDS: '0' });
    const base = running.url!.replace(/\/mcp$/, '');
    const client = await httpClient(running.url!, STORES[0].rlsUserId);
    try {
      expect(await count(client)).toBe(truth.get(STORES[0].rlsUserId));
      await proxy.stop();
      const down = await callTool(client, 'execute_sales_query', {
        postgresql_query: 'SELECT count(*) FROM retail.orders',
      });
      expect(down.isError).toBe(true);
      expect(down.json.err).toMatch(/database is not reachable right now/);
      expect((await fetch(`${base}/health`)).status).toBe(200);
      expect((await fetch(`${base}/ready`)).status).toBe(503);
      proxy = await startProxy(
        { host: real.hostname, port: Number(real.port || 5432) },
        Number(viaProxy.port),
      );
      expect(await count(client)).toBe(truth.get(STORES[0].rlsUserId));
      expect((await fetch(`${base}/ready`)).status).toBe(200);
    } finally {
      await client.close();
      await running.stop();
      await proxy.stop();
    }
  });

  test('shutdown lets an in-flight call finish, then refuses new connections', async () => {
    const running = await serveHttp(db.loginUrl);
    const client = await httpClient(running.url!, HEAD_OFFICE_ID);
    const slow = callTool(client, 'execute_sales_query', {
      postgresql_query: 'SELECT count(*) FROM generate_series(1, 3000000)',
    });
    await new Promise((r) => setTimeout(r, 100));
    await running.stop();
    expect((await slow).json).toEqual({ c: ['count'], r: [[3000000]], n: 1 });
    await expect(fetch(running.url!.replace(/\/mcp$/, '/health'))).rejects.toThrow();
    await client.close().catch(() => {});
  });
});

describe('the built CLI with --http', () => {
  test('a VS Code–style config for two stores against one server sees two answers; SIGTERM exits 0', async () => {
    const child: ChildProcess = spawn(
      process.execPath,
      [CLI, 'serve', '--http', '--port', '0', '--database-url', db.loginUrl],
      {
        env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), CI: 'true' },
        cwd: tmpdir(),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    let stdout = '';
    child.stderr!.on('data', (c) => {
      stderr += c;
    });
    child.stdout!.on('data', (c) => {
      stdout += c;
    });
    const until = Date.now() + 20_000;
    while (!/"url":"(http:[^"]+)"/.test(stderr) && Date.now() < until)
      await new Promise((r) => setTimeout(r, 50));
    const url = /"url":"(http:[^"]+)"/.exec(stderr)?.[1];
    expect(url, stderr).toBeDefined();
    // As in .vscode/mcp.json: one entry per store, same URL, a different x-rls-user-id header.
    const seattle = await httpClient(url!, STORES[0].rlsUserId);
    const online = await httpClient(url!, STORES[7].rlsUserId);
    const [a, b] = await Promise.all([count(seattle), count(online)]);
    expect(a).toBe(truth.get(STORES[0].rlsUserId));
    expect(b).toBe(truth.get(STORES[7].rlsUserId));
    expect(a).not.toBe(b);
    await Promise.all([seattle.close(), online.close()]);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/"msg":"stopped"/);
  });
});

import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { STORES } from '../../src/db/stores.js';
import { CLI, runCli } from '../support/cli.js';
import { createZavaTestDatabase, type ZavaTestDatabase } from '../support/zava.js';
import { callTool, ordersPerStore } from './support.js';

let db: ZavaTestDatabase;
const env = () => ({ PATH: process.env.PATH ?? '', HOME: tmpdir(), CI: 'true', FORCE_COLOR: '0' });

beforeAll(async () => {
  db = await createZavaTestDatabase({ scale: 'tiny' });
});
afterAll(async () => {
  await db?.drop();
});

async function stdioClient(args: string[]) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'serve', '--database-url', db.loginUrl, ...args],
    env: env(),
    cwd: tmpdir(),
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const client = new Client({ name: 'stdio-test', version: '0.0.0' });
  const protocolErrors: Error[] = [];
  client.onerror = (error) => protocolErrors.push(error);
  await client.connect(transport);
  return { client, transport, protocolErrors, stderr: () => stderr };
}

/** The server as a raw child: every stdout line must be a JSON-RPC message. */
function rawServer(
  args: string[],
): ChildProcessWithoutNullStreams & { lines: () => string[]; err: () => string } {
  const child = spawn(process.execPath, [CLI, 'serve', '--database-url', db.loginUrl, ...args], {
    env: env(),
    cwd: tmpdir(),
  }) as ChildProcessWithoutNullStreams & { lines: () => string[]; err: () => string };
  let out = '';
  let err = '';
  child.stdout.on('data', (c) => {
    out += c;
  });
  child.stderr.on('data', (c) => {
    err += c;
  });
  child.lines = () => out.split('\n').filter((line) => line !== '');
  child.err = () => err;
  return child;
}

const send = (child: ChildProcessWithoutNullStreams, message: object) =>
  child.stdin.write(`${JSON.stringify(message)}\n`);
const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
};

async function waitFor(predicate: () => boolean, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('serve over stdio (the built CLI)', () => {
  test('answers as the store given by --store, with a clean stdout', async () => {
    const truth = await ordersPerStore(db.admin);
    const { client, protocolErrors, stderr } = await stdioClient(['--store', 'zava retail redmond']);
    try {
      expect(client.getServerVersion()?.name).toBe('mcp-zava-sales');
      const answer = await callTool(client, 'execute_sales_query', {
        postgresql_query: 'SELECT count(*) FROM retail.orders',
      });
      const redmond = STORES.find((s) => s.name === 'Zava Retail Redmond')!;
      expect(answer.json.r[0][0]).toBe(truth.get(redmond.rlsUserId));
      const schema = await callTool(client, 'get_multiple_table_schemas', { table_names: ['retail.stores'] });
      expect(schema.text).toContain('Zava Retail Online (online)');
      expect(protocolErrors).toEqual([]);
      expect(stderr()).toMatch(/"msg":"serving".*"identity":"Zava Retail Redmond"/);
    } finally {
      await client.close();
    }
  });

  test('stdout carries only JSON-RPC; closing stdin stops the server with exit 0', async () => {
    const child = rawServer(['--rls-user-id', STORES[0].rlsUserId]);
    send(child, initialize);
    await waitFor(() => child.lines().length >= 1);
    send(child, { jsonrpc: '2.0', method: 'notifications/initialized' });
    send(child, { jsonrpc: '2.0', id: 2, method: 'tools/list' });
    send(child, {
      jsonrpc: '2.0',
      id: 3,
      method: 'tools/call',
      params: { name: 'execute_sales_query', arguments: { postgresql_query: 'SELECT 1 AS one' } },
    });
    send(child, {
      jsonrpc: '2.0',
      id: 4,
      method: 'tools/call',
      params: { name: 'execute_sales_query', arguments: { postgresql_query: 'DROP TABLE retail.orders' } },
    });
    await waitFor(() => child.lines().length >= 4);
    child.stdin.end();
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    const messages = child.lines().map((line) => JSON.parse(line));
    for (const message of messages) expect(message.jsonrpc).toBe('2.0');
    expect(messages.map((m) => m.id).sort()).toEqual([1, 2, 3, 4]);
    const byId = new Map(messages.map((m) => [m.id, m]));
    expect(byId.get(3).result.structuredContent).toEqual({ c: ['one'], r: [[1]], n: 1 });
    expect(byId.get(4).result.isError).toBe(true);
    expect(byId.get(4).result.structuredContent.err).toMatch(/SQL rejected/);
    expect(child.err()).toMatch(/"msg":"stopped"/);
  });

  test('SIGTERM lets an in-flight call finish, then exits 0; SIGINT exits 0 too', async () => {
    const child = rawServer(['--store', 'head office']);
    send(child, initialize);
    await waitFor(() => child.lines().length >= 1);
    send(child, { jsonrpc: '2.0', method: 'notifications/initialized' });
    send(child, {
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: {
        name: 'execute_sales_query',
        arguments: { postgresql_query: 'SELECT count(*) FROM generate_series(1, 3000000)' },
      },
    });
    await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    const answer = child
      .lines()
      .map((line) => JSON.parse(line))
      .find((m) => m.id === 2);
    expect(answer?.result?.structuredContent).toEqual({ c: ['count'], r: [[3000000]], n: 1 });

    const second = rawServer(['--store', 'head office']);
    send(second, initialize);
    await waitFor(() => second.lines().length >= 1);
    second.kill('SIGINT');
    const [code2] = await once(second, 'exit');
    expect(code2).toBe(0);
  });

  test('no identity: discovery works, data calls are refused', async () => {
    const { client, stderr } = await stdioClient([]);
    try {
      expect((await client.listTools()).tools).toHaveLength(4);
      const answer = await callTool(client, 'execute_sales_query', { postgresql_query: 'SELECT 1' });
      expect(answer.isError).toBe(true);
      expect(answer.json.err).toMatch(/--store/);
      expect(stderr()).toMatch(/no store identity/);
    } finally {
      await client.close();
    }
  });

  test('unknown store and malformed id are usage errors (64) listing the valid stores', async () => {
    const unknown = await runCli(['serve', '--database-url', db.loginUrl, '--store', 'Zava Retail Paris'], {
      cwd: tmpdir(),
    });
    expect(unknown.code).toBe(64);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toMatch(/--store "Zava Retail Paris" is not a store/);
    expect(unknown.stderr).toMatch(/fix: Use one of: "Zava Retail Seattle".*"head office"/);
    const malformed = await runCli(['serve', '--database-url', db.loginUrl, '--rls-user-id', "' OR 1=1 --"], {
      cwd: tmpdir(),
    });
    expect(malformed.code).toBe(64);
    expect(malformed.stderr).toMatch(/--rls-user-id must be a store's rls_user_id \(a UUID\)/);
    const stranger = await runCli(
      ['serve', '--database-url', db.loginUrl, '--rls-user-id', '11111111-2222-3333-4444-555555555555'],
      { cwd: tmpdir() },
    );
    expect(stranger.code).toBe(64);
    expect(stranger.stderr).toMatch(/is not the rls_user_id of any store/);
  });

  test('identity flags with --http are usage errors; --auth jwt without a key source is a config error', async () => {
    const both = await runCli(['serve', '--http', '--database-url', db.loginUrl, '--store', 'head office'], {
      cwd: tmpdir(),
    });
    expect(both.code).toBe(64);
    expect(both.stderr).toMatch(/--store and --rls-user-id set the stdio identity/);
    const jwt = await runCli(['serve', '--http', '--auth', 'jwt', '--database-url', db.loginUrl], {
      cwd: tmpdir(),
    });
    expect(jwt.code).toBe(78);
    expect(jwt.stderr).toMatch(/jwt authentication needs a key source/);
  });

  test('a port already in use is exit 69 with the fix', async () => {
    const net = await import('node:net');
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', () => resolve()));
    const port = (holder.address() as import('node:net').AddressInfo).port;
    try {
      const busy = await runCli(['serve', '--http', '--port', String(port), '--database-url', db.loginUrl], {
        cwd: tmpdir(),
      });
      expect(busy.code).toBe(69);
      expect(busy.stderr).toMatch(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: EADDRINUSE`));
    } finally {
      holder.close();
    }
  });

  test('database down at start: exit 69 with a clear message and nothing on stdout', async () => {
    const down = await runCli(
      ['serve', '--database-url', 'postgres://postgres:secretpw@127.0.0.1:1/zava', '--store', 'head office'],
      { cwd: tmpdir() },
    );
    expect(down.code).toBe(69);
    expect(down.stdout).toBe('');
    expect(down.stderr).toMatch(/mcpops: cannot connect to postgres:\/\/postgres@127\.0\.0\.1:1\/zava/);
    expect(down.stderr).toMatch(/fix: /);
    expect(down.stderr).not.toContain('secretpw');
  });
});

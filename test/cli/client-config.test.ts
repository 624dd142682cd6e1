import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { STORES } from '../../src/db/stores.js';
import { callTool, ordersPerStore } from '../serve/support.js';
import { runCli } from '../support/cli.js';
import { createZavaTestDatabase, type ZavaTestDatabase } from '../support/zava.js';

let db: ZavaTestDatabase;
let elsewhere: string;
beforeAll(async () => {
  db = await createZavaTestDatabase({ scale: 'tiny' });
  elsewhere = await mkdtemp(join(tmpdir(), 'mcpops-client-'));
});
afterAll(async () => {
  await db?.drop();
});

const tacoma = STORES.find((s) => s.name === 'Zava Retail Tacoma')!;

describe('mcpops client-config', () => {
  test.each(['claude', 'vscode', 'cursor', 'inspector'])(
    'the printed %s stdio entry starts this installation from another folder',
    async (client) => {
      const printed = await runCli(
        ['client-config', client, '--store', 'Zava Retail Tacoma', '--database-url', db.loginUrl, '--json'],
        { cwd: elsewhere },
      );
      expect(printed.stderr).toBe('');
      expect(printed.code).toBe(0);
      const doc = printed.json();
      expect(doc).toMatchObject({ ok: true, client, written: false });
      const servers = doc.config[client === 'vscode' ? 'servers' : 'mcpServers'];
      expect(Object.keys(servers)).toEqual(['zava-tacoma']);
      const entry = servers['zava-tacoma'];
      expect(entry.command).not.toBe('npx');
      // The client's own folder and a PATH without node: only absolute paths can work.
      const transport = new StdioClientTransport({
        command: entry.command,
        args: entry.args,
        env: { ...entry.env, PATH: '/usr/bin:/bin', HOME: elsewhere, CI: 'true' },
        cwd: elsewhere,
        stderr: 'pipe',
      });
      const sdk = new Client({ name: `${client}-test`, version: '0.0.0' });
      await sdk.connect(transport);
      try {
        const answer = await callTool(sdk, 'execute_sales_query', {
          postgresql_query: 'SELECT count(*) FROM retail.orders',
        });
        const truth = await ordersPerStore(db.admin);
        expect(answer.json.r[0][0]).toBe(truth.get(tacoma.rlsUserId));
        // A table without its schema gets told where the Zava tables are.
        const unqualified = await callTool(sdk, 'execute_sales_query', {
          postgresql_query: 'SELECT count(*) FROM orders',
        });
        expect(unqualified.text).toMatch(/relation \\?"orders\\?" does not exist.*retail\.orders/);
      } finally {
        await sdk.close();
      }
    },
    30_000,
  );

  test('every store and head office by default; --http entries carry the store header', async () => {
    const result = await runCli(['client-config', 'vscode', '--http', '--json'], { cwd: elsewhere });
    expect(result.code).toBe(0);
    const servers = result.json().config.servers;
    expect(Object.keys(servers)).toHaveLength(STORES.length + 1);
    expect(servers['zava-head-office']).toEqual({
      type: 'http',
      url: 'http://127.0.0.1:8000/mcp',
      headers: { 'x-rls-user-id': '00000000-0000-0000-0000-000000000000' },
    });
  });

  test('--write merges into the file and keeps what was there; asks for --yes off a terminal', async () => {
    const file = join(elsewhere, 'claude_desktop_config.json');
    await writeFile(file, JSON.stringify({ theme: 'dark', mcpServers: { other: { command: 'x' } } }));
    const refused = await runCli(['client-config', 'claude', '--write', '--file', file], { cwd: elsewhere });
    expect(refused.code).toBe(64);
    expect(refused.stderr).toContain('+  "zava-seattle"');
    expect(refused.stderr).toMatch(/pass --yes/);
    expect(JSON.parse(await readFile(file, 'utf8')).mcpServers).toEqual({ other: { command: 'x' } });

    const written = await runCli(['client-config', 'claude', '--write', '--file', file, '--yes', '--json'], {
      cwd: elsewhere,
    });
    expect(written.code).toBe(0);
    expect(written.json()).toMatchObject({
      ok: true,
      written: true,
      added: expect.arrayContaining(['zava-seattle']),
    });
    const after = JSON.parse(await readFile(file, 'utf8'));
    expect(after.theme).toBe('dark');
    expect(after.mcpServers.other).toEqual({ command: 'x' });
    expect(after.mcpServers['zava-seattle'].args.slice(-3)).toEqual([
      'serve',
      '--store',
      'Zava Retail Seattle',
    ]);

    const again = await runCli(['client-config', 'claude', '--write', '--file', file], { cwd: elsewhere });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('nothing written');
  });

  test('an unknown store or client is a usage error (64) with one line', async () => {
    const store = await runCli(['client-config', 'claude', '--store', 'Zava Retail Paris'], {
      cwd: elsewhere,
    });
    expect(store.code).toBe(64);
    expect(store.stderr).toMatch(/unknown store "Zava Retail Paris"/);
    const client = await runCli(['client-config', 'emacs', '--json'], { cwd: elsewhere });
    expect(client.code).toBe(64);
    expect(client.json()).toMatchObject({ ok: false, error: { code: 'commander.invalidArgument' } });
  });
});

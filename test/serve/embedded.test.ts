import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, expect, test } from 'vitest';
import { HEAD_OFFICE_ID, STORES } from '../../src/db/stores.js';
import { CLI } from '../support/cli.js';
import { callTool } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'mcpops-serve-embedded-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function client(url: string, rlsUserId: string): Promise<Client> {
  const c = new Client({ name: 'embedded-test', version: '0' });
  await c.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { 'x-rls-user-id': rlsUserId } },
    }),
  );
  return c;
}

test('npx mcpops serve --http on the embedded default answers every store with its own numbers', {
  timeout: 180_000,
}, async () => {
  const child = spawn(process.execPath, [CLI, 'serve', '--http', '--port', '0', '--embedded-dir', dir], {
    env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), CI: 'true', MCPOPS_EMBEDDED_SCALE: 'tiny' },
    cwd: tmpdir(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (c) => {
    stderr += c;
  });
  child.stdout!.on('data', (c) => {
    stdout += c;
  });
  try {
    const until = Date.now() + 150_000;
    while (!/"url":"(http:[^"]+)"/.test(stderr) && child.exitCode === null && Date.now() < until)
      await new Promise((r) => setTimeout(r, 100));
    const url = /"url":"(http:[^"]+)"/.exec(stderr)?.[1];
    expect(url, stderr.slice(-2000)).toBeDefined();

    const office = await client(url!, HEAD_OFFICE_ID);
    const perStore = await callTool(office, 'execute_sales_query', {
      postgresql_query:
        'SELECT s.rls_user_id::text, count(o.order_id) FROM retail.stores s LEFT JOIN retail.orders o ON o.store_id = s.store_id GROUP BY 1',
    });
    const truth = new Map<string, number>(perStore.json.r.map((row: [string, number]) => [row[0], row[1]]));
    const total = (
      await callTool(office, 'execute_sales_query', {
        postgresql_query: 'SELECT count(*) FROM retail.orders',
      })
    ).json.r[0][0];
    expect(total).toBe([...truth.values()].reduce((a, b) => a + b, 0));
    expect((await callTool(office, 'get_current_utc_date')).isError).toBe(false);
    await office.close();

    const seen = new Set<number>();
    for (const store of STORES) {
      const c = await client(url!, store.rlsUserId);
      const answer = await callTool(c, 'execute_sales_query', {
        postgresql_query: 'SELECT count(*) FROM retail.orders',
      });
      expect(answer.json.r[0][0]).toBe(truth.get(store.rlsUserId));
      seen.add(answer.json.r[0][0]);
      if (store === STORES[0]) {
        const schema = await callTool(c, 'get_multiple_table_schemas', { table_names: ['retail.orders'] });
        expect(schema.text).toMatch(/order years/);
        const search = await callTool(c, 'semantic_search_products', {
          query_description: 'cordless drill',
          max_rows: 3,
        });
        if (search.isError) expect(search.json).toMatchObject({ c: [], r: [], n: 0 });
        else expect(search.json.n).toBeGreaterThan(0);
      }
      await c.close();
    }
    expect(seen.size).toBeGreaterThan(1);
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
  }
  expect(child.exitCode).toBe(0);
  expect(stdout).toBe('');
});

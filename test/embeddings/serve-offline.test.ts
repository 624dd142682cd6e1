import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, expect, test } from 'vitest';
import { CLI } from '../support/cli.js';

const home = mkdtempSync(join(tmpdir(), 'mcpops-offline-serve-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

/**
 * A new network namespace with only loopback up (the embedded database talks to serve over
 * 127.0.0.1): nothing outside the machine is reachable from inside it.
 */
const ISOLATED = ['-n', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"'];

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

test('the empty namespace really has no network (the control for the tests below)', () => {
  const probe = `fetch('http://1.1.1.1', { signal: AbortSignal.timeout(3000) }).then(() => process.exit(0), (e) => { console.log(e.cause?.code ?? e.name); process.exit(3); })`;
  let code = 0;
  let output = '';
  try {
    execFileSync('unshare', [...ISOLATED, process.execPath, '-e', probe], { encoding: 'utf8' });
  } catch (error) {
    code = (error as { status: number }).status;
    output = (error as { stdout: string }).stdout;
  }
  expect(code).toBe(3);
  expect(output).toMatch(/ENETUNREACH|EHOSTUNREACH|Timeout|ECONNREFUSED/);
});

test('the use-lite model would download from the internet without its package modelSource, and cannot here', () => {
  // Proves the namespace blocks exactly the fetch the provider avoids.
  const script = `import('@energetic-ai/embeddings').then(({ initModel }) => initModel()).then(() => process.exit(0), (e) => { console.log(String(e.message ?? e).slice(0, 200)); process.exit(4); })`;
  let code = 0;
  try {
    execFileSync('unshare', [...ISOLATED, process.execPath, '-e', script], {
      encoding: 'utf8',
      cwd: join(import.meta.dirname, '../..'),
      timeout: 60_000,
    });
  } catch (error) {
    code = (error as { status: number }).status;
  }
  expect(code).toBe(4);
}, 90_000);

async function startServe(): Promise<{ client: Client; pid: number; stderr: () => string }> {
  const transport = new StdioClientTransport({
    command: 'unshare',
    args: [...ISOLATED, process.execPath, CLI, 'serve', '--store', 'head office'],
    env: { PATH: process.env.PATH ?? '', HOME: home, CI: 'true', MCPOPS_EMBEDDED_SCALE: 'tiny' },
    cwd: home,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const client = new Client({ name: 'offline-test', version: '0' });
  // The first start builds the embedded database and embeds the sample before it answers.
  await client.connect(transport, { timeout: 280_000 });
  return { client, pid: transport.pid!, stderr: () => stderr };
}

async function search(client: Client, query: string): Promise<unknown[][]> {
  const result = await client.callTool(
    { name: 'semantic_search_products', arguments: { query_description: query, max_rows: 5 } },
    undefined,
    { timeout: 120_000 },
  );
  expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
  return (result.structuredContent as { r: unknown[][] }).r;
}

async function typeOf(client: Client, productId: unknown): Promise<string> {
  const result = await client.callTool({
    name: 'execute_sales_query',
    arguments: {
      postgresql_query: `SELECT t.type_name FROM retail.products p JOIN retail.product_types t USING (type_id) WHERE p.product_id = ${Number(productId)}`,
    },
  });
  return (result.structuredContent as { r: string[][] }).r[0][0];
}

test('npx mcpops serve --store "head office" on a fresh embedded default understands needs, with no network', {
  timeout: 420_000,
}, async () => {
  const first = await startServe();
  try {
    const tools = await first.client.listTools();
    const tool = tools.tools.find((t) => t.name === 'semantic_search_products');
    expect(tool?.description).toMatch(/sentence model that understands everyday meaning/);
    const paint = await search(first.client, 'paint for a bathroom');
    expect(await typeOf(first.client, paint[0][0])).toBe('Interior Paint');
  } finally {
    await first.client.close().catch(() => {});
  }
  expect(first.stderr()).not.toMatch(/ENETUNREACH|fetch failed/);

  // A later start: serve has not loaded the model until a semantic search needs it.
  const again = await startServe();
  try {
    const idleRss = rssMb(again.pid);
    const leak = await search(again.client, 'something to fix a leaking pipe');
    expect(['Pipes & Fittings', 'Valves', 'Adhesives & Sealants']).toContain(
      await typeOf(again.client, leak[0][0]),
    );
    // The measured limit of the small model (docs/embeddings.md): it answers, but a
    // flashlight is not among its first five for this phrasing.
    const dark = await search(again.client, 'something to see with during a power cut');
    expect(dark.length).toBe(5);
    const loadedRss = rssMb(again.pid);
    process.stderr.write(
      `serve RSS: ${idleRss} MB before the first semantic search, ${loadedRss} MB with use-lite loaded\n`,
    );
    expect(idleRss).toBeLessThan(200);
    expect(loadedRss).toBeGreaterThan(idleRss + 50);
  } finally {
    await again.client.close().catch(() => {});
  }
});

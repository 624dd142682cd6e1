import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { STORES } from '../../src/db/stores.js';
import { CLI } from '../support/cli.js';
import { createZavaTestDatabase, type ZavaTestDatabase } from '../support/zava.js';
import { procMemoryMb, spawnStdioServe } from './proc-status.js';
import { callTool } from './support.js';

// Peak resident memory of the real server process. Without a cap on V8's WebAssembly tiers the
// first SQL parse triggers an optimizing compile of the parser that peaks at 600-700 MB a few
// seconds later; the budget is 200 MB through the first parse and a burst of calls.
const BUDGET_MB = 200;
// The optimizing compile started by the first parse peaks within about 4 s.
const SETTLE_MS = 6000;

let db: ZavaTestDatabase;

beforeAll(async () => {
  db = await createZavaTestDatabase({ scale: 'tiny' });
});
afterAll(async () => {
  await db?.drop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('serve memory (the built CLI, /proc VmHWM)', () => {
  test.each([
    ['node bin/mcpops.js', () => [process.execPath, CLI]],
    [
      'the bin through its shebang',
      () => {
        chmodSync(CLI, 0o755);
        return [CLI];
      },
    ],
  ])(
    '%s: peak RSS stays within budget after the first parse and a burst',
    async (_label, command) => {
      const serve = await spawnStdioServe(
        command(),
        ['--database-url', db.loginUrl, '--store', 'head office'],
        {
          MCPOPS_CACHE_TTL_SECONDS: '0',
          MCPOPS_RATE_LIMIT_PER_MINUTE: '100000',
          MCPOPS_RATE_LIMIT_BURST: '10000',
          // Every call is "slow": the slow-query log normalizes each text (the normalizer's path too).
          MCPOPS_SLOW_QUERY_MS: '1',
        },
      );
      try {
        const first = await callTool(serve.client, 'execute_sales_query', {
          postgresql_query: 'SELECT count(*) AS n FROM retail.orders',
        });
        expect(first.isError, first.text).toBe(false);
        await sleep(SETTLE_MS);
        const afterFirstParse = procMemoryMb(serve.pid);

        const burst = Array.from({ length: 90 }, (_, i) =>
          callTool(serve.client, 'execute_sales_query', {
            postgresql_query: `SELECT o.store_id, count(*) + ${i} AS n FROM retail.orders o JOIN retail.order_items i USING (order_id) WHERE o.order_id > ${i} GROUP BY 1 ORDER BY 1`,
          }),
        );
        const answers = await Promise.all(burst);
        expect(answers.filter((a) => a.isError).map((a) => a.text)).toEqual([]);
        await sleep(SETTLE_MS / 2);
        const afterBurst = procMemoryMb(serve.pid);

        expect(
          afterFirstParse,
          `VmHWM after the first parse: ${afterFirstParse.toFixed(0)} MB`,
        ).toBeLessThanOrEqual(BUDGET_MB);
        expect(afterBurst, `VmHWM after a burst: ${afterBurst.toFixed(0)} MB`).toBeLessThanOrEqual(BUDGET_MB);
        // The server still answers after the burst.
        const after = await callTool(serve.client, 'execute_sales_query', {
          postgresql_query: 'SELECT 1 AS one',
        });
        expect(after.json).toMatchObject({ r: [[1]] });
      } finally {
        await serve.close();
      }
    },
    45_000,
  );

  test('serve --http: re-executed with a bounded young generation; 16 sessions stay within budget', async () => {
    const child: ChildProcess = spawn(
      process.execPath,
      [CLI, 'serve', '--http', '--port', '0', '--database-url', db.loginUrl],
      {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: tmpdir(),
          CI: 'true',
          MCPOPS_CACHE_TTL_SECONDS: '0',
          MCPOPS_RATE_LIMIT_PER_MINUTE: '100000',
          MCPOPS_RATE_LIMIT_BURST: '10000',
        },
        cwd: tmpdir(),
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr?.on('data', (c) => {
      stderr += c;
    });
    const clients: Client[] = [];
    try {
      const until = Date.now() + 20_000;
      while (!/"url":"(http:[^"]+)"/.test(stderr) && Date.now() < until) await sleep(50);
      const url = /"url":"(http:[^"]+)"/.exec(stderr)?.[1];
      expect(url, stderr).toBeDefined();
      // Same pid, new program image: the flag is in effect for the process that serves.
      const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0');
      expect(cmdline).toContain('--max-semi-space-size=8');

      for (let i = 0; i < 16; i++) {
        const client = new Client({ name: 'memory-http', version: '0' });
        await client.connect(
          new StreamableHTTPClientTransport(new URL(url as string), {
            requestInit: { headers: { 'x-rls-user-id': STORES[i % STORES.length].rlsUserId } },
          }),
        );
        clients.push(client);
      }
      await Promise.all(
        clients.map(async (client, i) => {
          for (let k = 0; k < 8; k++) {
            const answer = await callTool(client, 'execute_sales_query', {
              postgresql_query: `SELECT o.store_id, count(*) + ${i * 10 + k} AS n FROM retail.orders o JOIN retail.order_items l USING (order_id) GROUP BY 1`,
            });
            expect(answer.isError, answer.text).toBe(false);
          }
        }),
      );
      await sleep(SETTLE_MS / 2);
      const peak = procMemoryMb(child.pid as number);
      expect(peak, `VmHWM after 16 sessions: ${peak.toFixed(0)} MB`).toBeLessThanOrEqual(BUDGET_MB);
    } finally {
      await Promise.all(clients.map((client) => client.close().catch(() => {})));
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  }, 60_000);
});

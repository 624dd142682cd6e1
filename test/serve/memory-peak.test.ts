import { chmodSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
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
        // serve re-executes itself with a bounded young generation (same pid, same stdio).
        const cmdline = readFileSync(`/proc/${serve.pid}/cmdline`, 'utf8').split('\0');
        expect(cmdline).toContain('--max-semi-space-size=8');
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
});

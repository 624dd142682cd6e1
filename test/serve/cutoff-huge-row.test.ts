import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CLI } from '../support/cli.js';
import { createZavaTestDatabase, type ZavaTestDatabase } from '../support/zava.js';
import { procMemoryMb, type SpawnedServe, spawnStdioServe } from './proc-status.js';
import { callTool } from './support.js';

// A result bigger than the byte cap is cut off as it arrives: the call answers with the
// truncation message at once, the connection that carried it is cancelled and dropped (never
// returned to the pool mid-message), memory stays bounded, and the next call works.
const MAX_BYTES = 1_048_576;
const BUDGET_MB = 200;

let db: ZavaTestDatabase;
let serve: SpawnedServe;

beforeAll(async () => {
  db = await createZavaTestDatabase({ scale: 'tiny' });
  serve = await spawnStdioServe(
    [process.execPath, CLI],
    ['--database-url', db.loginUrl, '--store', 'head office'],
    {
      MCPOPS_CACHE_TTL_SECONDS: '0',
      MCPOPS_MAX_BYTES: String(MAX_BYTES),
      MCPOPS_STATEMENT_TIMEOUT_MS: '30000',
    },
  );
}, 60_000);
afterAll(async () => {
  await serve?.close();
  await db?.drop();
});

async function timedCall(sql: string) {
  const started = performance.now();
  const answer = await callTool(serve.client, 'execute_sales_query', { postgresql_query: sql });
  return { answer, ms: performance.now() - started };
}

/** Backends (other than ours) still running a statement that contains `marker`. */
async function stillRunning(marker: string): Promise<number> {
  const { rows } = await db.admin.query(
    `SELECT count(*)::int AS n FROM pg_stat_activity
     WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active' AND strpos(query, $1) > 0`,
    [marker],
  );
  return rows[0].n;
}

async function expectBackendGone(marker: string): Promise<void> {
  const until = Date.now() + 3000;
  while ((await stillRunning(marker)) > 0) {
    if (Date.now() > until) throw new Error(`a backend is still running the statement marked ${marker}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * How long PostgreSQL itself takes to build a value (a 200 MB repeat() takes seconds on a busy
 * machine): the cut-off is measured from there, when the cap is crossed.
 */
async function serverBuildMs(expression: string): Promise<number> {
  const started = performance.now();
  await db.admin.query(`SELECT length(${expression})`);
  return performance.now() - started;
}

function expectTruncated(answer: Awaited<ReturnType<typeof callTool>>): void {
  expect(answer.isError, answer.text).toBe(false);
  expect(answer.structured).toMatchObject({ truncated: true });
  expect(answer.structured.msg).toMatch(/^Truncated: .*bytes of result per query/);
}

describe('results bigger than the byte cap (the built CLI over stdio)', () => {
  test('one 200 MB row: truncation at once, backend stopped, memory bounded, next call fine', async () => {
    const buildMs = await serverBuildMs("repeat('x', 200000000)");
    const { answer, ms } = await timedCall("SELECT repeat('x', 200000000) AS huge_row_one");
    expectTruncated(answer);
    expect(answer.structured.n).toBe(0);
    expect(ms, `built in ${buildMs.toFixed(0)} ms`).toBeLessThan(buildMs + 1500);
    await expectBackendGone('huge_row_one');
    expect(procMemoryMb(serve.pid)).toBeLessThanOrEqual(BUDGET_MB);

    const next = await callTool(serve.client, 'execute_sales_query', {
      postgresql_query: 'SELECT count(*) AS n FROM retail.stores',
    });
    expect(next.json).toMatchObject({ c: ['n'], r: [[8]], n: 1 });
  }, 30_000);

  test('many rows each bigger than the cap: cut off at the first, not drained', async () => {
    const { answer, ms } = await timedCall(
      "SELECT g, repeat('y', 5000000) AS huge_rows_two FROM generate_series(1, 200) AS g",
    );
    expectTruncated(answer);
    expect(answer.structured.n).toBe(0);
    expect(ms).toBeLessThan(3000);
    await expectBackendGone('huge_rows_two');
  }, 30_000);

  test('small rows past the cap: the rows that fit, then cut off', async () => {
    const { answer, ms } = await timedCall(
      "SELECT g, repeat('z', 100000) AS wide_rows_three FROM generate_series(1, 100000) AS g",
    );
    expectTruncated(answer);
    expect(answer.structured.n).toBeGreaterThan(5);
    expect(answer.structured.n).toBeLessThan(11);
    expect(Buffer.byteLength(answer.text)).toBeLessThan(MAX_BYTES + 4096);
    expect(ms).toBeLessThan(3000);
    await expectBackendGone('wide_rows_three');
  }, 30_000);

  test('four huge rows at once: all truncated, the process stays up and bounded', async () => {
    const value = "repeat(repeat('w', 10000), 20000)"; // 200 MB, built faster than one byte at a time
    const buildMs = await serverBuildMs(value);
    const calls = await Promise.all(
      [1, 2, 3, 4].map((i) => timedCall(`SELECT ${i} AS i, ${value} AS huge_row_four`)),
    );
    for (const { answer, ms } of calls) {
      expectTruncated(answer);
      // Four builds share the machine's cores; the cut-off itself adds well under a second.
      expect(ms, `one build: ${buildMs.toFixed(0)} ms`).toBeLessThan(4 * buildMs + 3000);
    }
    await expectBackendGone('huge_row_four');
    expect(procMemoryMb(serve.pid)).toBeLessThanOrEqual(BUDGET_MB);
    const next = await callTool(serve.client, 'execute_sales_query', { postgresql_query: 'SELECT 2 AS two' });
    expect(next.json).toMatchObject({ r: [[2]] });
  }, 40_000);
});

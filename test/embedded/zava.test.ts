import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.js';
import { readEmbeddedMeta } from '../../src/db/embedded/index.js';
import { withStoreSession } from '../../src/db/session.js';
import { HEAD_OFFICE_ID, STORES } from '../../src/db/stores.js';
import { openDatabase } from '../../src/ops/bootstrap/open.js';
import { runCli } from '../support/cli.js';
import {
  type Database,
  embeddedConfig,
  FIRST_START_TIMEOUT_MS,
  pidAlive,
  tempDir,
  waitFor,
  workerPid,
} from './support.js';

let dir: Awaited<ReturnType<typeof tempDir>>;
let config: Config;

beforeAll(async () => {
  dir = await tempDir();
  config = await embeddedConfig(join(dir.path, 'embedded'));
});
afterAll(() => dir.remove());

async function count(db: Database, id: string | null, table: string): Promise<number> {
  return withStoreSession(
    db.pool,
    { role: config.serveRole, rlsUserId: id, statementTimeoutMs: 10_000 },
    async (c) => Number((await c.query(`SELECT count(*) AS n FROM retail.${table}`)).rows[0].n),
  );
}

describe('the embedded default through openDatabase (the Zava init on PGlite)', () => {
  it(
    'first start from an empty folder loads the Zava sample with RLS per store',
    async () => {
      const progress: Array<[string, number | undefined, number | undefined]> = [];
      const started = Date.now();
      const db = await openDatabase(config, { onProgress: (m, d, t) => progress.push([m, d, t]) });
      try {
        // Under a minute on an idle 2-core machine (docs/benchmarks/embedded.md); the bound allows
        // for test files and other work sharing the CPUs.
        expect(Date.now() - started).toBeLessThan(120_000);
        expect(db.embedded).toBe(true);
        expect(progress.some(([m, d, t]) => m === 'loading sample data' && d === t && (t ?? 0) > 0)).toBe(
          true,
        );
        expect(readEmbeddedMeta(config.embeddedDir)?.state).toBe('ready');
        // pgvector is real here: every product got a vector from the offline local provider.
        const { rows } = await db.pool.query(
          'SELECT (SELECT count(*) FROM retail.products)::int AS products, (SELECT count(*) FROM retail.product_description_embeddings)::int AS vectors',
        );
        expect(rows[0].products).toBeGreaterThan(0);
        expect(rows[0].vectors).toBe(rows[0].products);
        expect(progress.some(([m, d, t]) => m === 'embedding products' && d === t)).toBe(true);

        const perStore = await Promise.all(STORES.map((s) => count(db, s.rlsUserId, 'orders')));
        const all = await count(db, HEAD_OFFICE_ID, 'orders');
        expect(all).toBeGreaterThan(0);
        expect(perStore.reduce((a, b) => a + b, 0)).toBe(all);
        expect(new Set(perStore).size).toBeGreaterThan(1);
        expect(await count(db, null, 'orders')).toBe(0);
        expect(await count(db, null, 'customers')).toBe(0);
      } finally {
        await db.close();
      }
    },
    FIRST_START_TIMEOUT_MS,
  );

  it('a second start reuses the data and is ready in a few seconds; close leaves no worker', async () => {
    const started = Date.now();
    const db = await openDatabase(config);
    const pid = await workerPid(config.embeddedDir);
    try {
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(await count(db, STORES[0].rlsUserId, 'orders')).toBeGreaterThan(0);
    } finally {
      await db.close();
    }
    expect(await waitFor(() => !pidAlive(pid), 5000)).toBe(true);
  });

  it('health runs on the embedded default; a fresh worker start is not a "restarted recently" warning', async () => {
    const result = await runCli(['health', '--json', '--only', 'database'], {
      env: { MCPOPS_EMBEDDED_DIR: config.embeddedDir },
      timeoutMs: 60_000,
    });
    const report = result.json();
    const checks = Object.values(report.components).flatMap((c: any) => c.checks ?? []);
    const version = checks.find((c: any) => c.id === 'db.version');
    expect(version).toMatchObject({ status: 'OK' });
    expect(version.message).toMatch(/^PostgreSQL 18/);
    expect([0, 1]).toContain(result.code);
  });
});

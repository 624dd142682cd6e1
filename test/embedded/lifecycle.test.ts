import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.js';
import { openEmbeddedDatabase, readEmbeddedMeta } from '../../src/db/embedded/index.js';
import { withStoreSession } from '../../src/db/session.js';
import { ExitCode, McpopsError } from '../../src/errors.js';
import {
  type Database,
  embeddedConfig,
  FIRST_START_TIMEOUT_MS,
  pidAlive,
  STORE_A,
  STORE_B,
  tempDir,
  tinySchema,
  waitFor,
  workerPid,
} from './support.js';

let dir: Awaited<ReturnType<typeof tempDir>>;
let config: Config;

beforeAll(async () => {
  dir = await tempDir();
  config = await embeddedConfig(join(dir.path, 'db'));
});
afterAll(() => dir.remove());

const target = () => ({ kind: 'embedded' as const, dir: config.embeddedDir });

async function storeRows(db: Database, id: string | null): Promise<string[]> {
  return withStoreSession(
    db.pool,
    { role: config.serveRole, rlsUserId: id, statementTimeoutMs: 5000 },
    async (client) =>
      (await client.query('SELECT note FROM retail.orders ORDER BY id')).rows.map((r) => r.note),
  );
}

describe('embedded database lifecycle', () => {
  it(
    'first start from an empty folder builds the database, reports progress and serves RLS',
    async () => {
      const messages: string[] = [];
      let initialised = 0;
      const started = Date.now();
      const db = await openEmbeddedDatabase(config, target(), {
        onProgress: (message) => messages.push(message),
        initialise: async (pool) => {
          initialised++;
          await tinySchema(config)(pool);
        },
      });
      try {
        // Under a minute on an idle 2-core machine (docs/benchmarks/embedded.md); the bound allows
        // for test files and other work sharing the CPUs.
        expect(Date.now() - started).toBeLessThan(120_000);
        expect(initialised).toBe(1);
        expect(db.embedded).toBe(true);
        expect(db.where).toContain('embedded PGlite at');
        expect(String(db.url)).not.toContain('postgres://');
        expect(db.url.reveal()).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
        expect(messages[0]).toMatch(/creating the embedded database/);
        expect(messages.at(-1)).toMatch(/ready/);
        expect(readEmbeddedMeta(config.embeddedDir)).toMatchObject({ state: 'ready', scale: 'tiny' });
        // The folder is PGlite's data directory itself (what the backup's data-directory dump reads).
        expect(existsSync(join(config.embeddedDir, 'PG_VERSION'))).toBe(true);
        // pgvector is there (the real extension, in WASM).
        await db.pool.query('CREATE EXTENSION IF NOT EXISTS vector');
        const { rows } = await db.pool.query("SELECT '[1,2,3]'::vector <-> '[1,2,4]'::vector AS d");
        expect(rows[0].d).toBe(1);
        // RLS: a store sees only its rows; no identity sees none.
        expect(await storeRows(db, STORE_A)).toEqual(['store0-1', 'store0-2', 'store0-3']);
        expect(await storeRows(db, STORE_B)).toHaveLength(6);
        expect(await storeRows(db, null)).toEqual([]);
      } finally {
        await db.close();
      }
    },
    FIRST_START_TIMEOUT_MS,
  );

  it('close ends the worker and removes the lock', async () => {
    const db = await openEmbeddedDatabase(config, target(), { initialise: tinySchema(config) });
    const pid = await workerPid(config.embeddedDir);
    expect(pidAlive(pid)).toBe(true);
    await db.close();
    expect(await waitFor(() => !pidAlive(pid), 5000)).toBe(true);
    expect(existsSync(join(config.embeddedDir, 'mcpops.lock'))).toBe(false);
    // A closed database refuses new work with a clear error instead of hanging.
    await expect(db.pool.query('SELECT 1')).rejects.toThrow();
  });

  it('a second start reuses the data, skips initialisation and is ready in seconds', async () => {
    const started = Date.now();
    const messages: string[] = [];
    const db = await openEmbeddedDatabase(config, target(), {
      onProgress: (message) => messages.push(message),
      initialise: () => {
        throw new Error('must not initialise again');
      },
    });
    try {
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(messages[0]).toMatch(/starting the embedded database/);
      expect(await storeRows(db, STORE_A)).toHaveLength(3);
    } finally {
      await db.close();
    }
  });

  it(
    'a PGlite data-directory dump (what backup stores) restores into a folder that opens as ready',
    async () => {
      const { PGlite } = await import('@electric-sql/pglite');
      const { vector } = await import('@electric-sql/pglite-pgvector');
      const source = await PGlite.create(config.embeddedDir, { extensions: { vector } });
      const tarball = await source.dumpDataDir('gzip');
      await source.close();
      const copy = join(dir.path, 'restored');
      const restored = await PGlite.create(copy, { extensions: { vector }, loadDataDir: tarball });
      await restored.close();
      expect(readEmbeddedMeta(copy)?.state).toBe('ready');
      const cfg = await embeddedConfig(copy);
      const db = await openEmbeddedDatabase(
        cfg,
        { kind: 'embedded', dir: copy },
        {
          initialise: () => {
            throw new Error('must not initialise a restored folder');
          },
        },
      );
      try {
        expect((await db.pool.query('SELECT count(*)::int AS n FROM retail.orders')).rows[0].n).toBe(9);
      } finally {
        await db.close();
      }
    },
    FIRST_START_TIMEOUT_MS,
  );

  it(
    'an interrupted first start is detected and rebuilt, never served',
    async () => {
      const broken = await embeddedConfig(join(dir.path, 'interrupted'));
      const brokenTarget = { kind: 'embedded' as const, dir: broken.embeddedDir };
      const failure = await openEmbeddedDatabase(broken, brokenTarget, {
        initialise: async (pool) => {
          await pool.query('CREATE TABLE half_done (x int)');
          throw new Error('power cut');
        },
      }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(McpopsError);
      expect(readEmbeddedMeta(broken.embeddedDir)?.state).toBe('initialising');
      expect(existsSync(join(broken.embeddedDir, 'mcpops.lock'))).toBe(false);

      const messages: string[] = [];
      const db = await openEmbeddedDatabase(broken, brokenTarget, {
        onProgress: (message) => messages.push(message),
        initialise: tinySchema(broken),
      });
      try {
        expect(messages[0]).toMatch(/did not finish; rebuilding/);
        const { rows } = await db.pool.query("SELECT to_regclass('public.half_done') AS t");
        expect(rows[0].t).toBeNull();
        expect(readEmbeddedMeta(broken.embeddedDir)?.state).toBe('ready');
      } finally {
        await db.close();
      }
    },
    FIRST_START_TIMEOUT_MS,
  );

  it('refuses a folder holding files it did not create, and touches none of them', async () => {
    const foreign = join(dir.path, 'foreign');
    await mkdir(foreign, { recursive: true });
    await writeFile(join(foreign, 'notes.txt'), 'mine');
    const cfg = await embeddedConfig(foreign);
    const error = (await openEmbeddedDatabase(cfg, { kind: 'embedded', dir: foreign }).catch(
      (e) => e,
    )) as McpopsError;
    expect(error.code).toBe('embedded_foreign_folder');
    expect(error.exitCode).toBe(ExitCode.config);
    expect(error.message).toContain(foreign);
    expect(error.suggestion).toMatch(/--embedded-dir/);
    expect(readdirSync(foreign)).toEqual(['notes.txt']);
  });

  it('without a first-start builder, a folder that needs building is an internal error, left as it was', async () => {
    const fresh = join(dir.path, 'no-builder');
    const cfg = await embeddedConfig(fresh);
    const error = (await openEmbeddedDatabase(cfg, { kind: 'embedded', dir: fresh }).catch(
      (e) => e,
    )) as McpopsError;
    expect(error.code).toBe('internal');
    expect(error.message).toMatch(/needs a first start/);
    expect(readdirSync(fresh)).toEqual([]);

    const interrupted = join(dir.path, 'no-builder-interrupted');
    await mkdir(interrupted, { recursive: true });
    const meta = JSON.stringify({
      format: 1,
      state: 'initialising',
      scale: 'tiny',
      createdAt: new Date().toISOString(),
    });
    await writeFile(join(interrupted, 'mcpops.meta'), meta);
    const again = (await openEmbeddedDatabase(await embeddedConfig(interrupted), {
      kind: 'embedded',
      dir: interrupted,
    }).catch((e) => e)) as McpopsError;
    expect(again.code).toBe('internal');
    expect(readdirSync(interrupted)).toEqual(['mcpops.meta']);
  });

  it('refuses an unreadable meta file rather than guess (and never wipes the folder)', async () => {
    const folder = join(dir.path, 'bad-meta');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'mcpops.meta'), '{ not json');
    await writeFile(join(folder, 'PG_VERSION'), '18\n');
    const cfg = await embeddedConfig(folder);
    const error = (await openEmbeddedDatabase(cfg, { kind: 'embedded', dir: folder }).catch(
      (e) => e,
    )) as McpopsError;
    expect(error.code).toBe('embedded_meta_invalid');
    expect(error.exitCode).toBe(ExitCode.config);
    expect(error.suggestion).toMatch(/remove it to start over/);
    expect(readdirSync(folder).sort()).toEqual(['PG_VERSION', 'mcpops.meta']);
  });

  it('reports a worker that cannot open its folder as unavailable (69) with a fix', async () => {
    const bad = join(dir.path, 'bad');
    await mkdir(bad, { recursive: true });
    // Data files of an unknown PostgreSQL version: PGlite refuses to start on them.
    await writeFile(join(bad, 'PG_VERSION'), '99\n');
    await writeFile(
      join(bad, 'mcpops.meta'),
      JSON.stringify({ format: 1, state: 'ready', scale: 'tiny', createdAt: new Date().toISOString() }),
    );
    const cfg = await embeddedConfig(bad);
    const error = (await openEmbeddedDatabase(cfg, { kind: 'embedded', dir: bad }).catch(
      (e) => e,
    )) as McpopsError;
    expect(error.code).toBe('embedded_start_failed');
    expect(error.exitCode).toBe(ExitCode.unavailable);
    expect(error.message).toMatch(/did not start/);
    expect(error.suggestion).toMatch(/MCPOPS_EMBEDDED_DIR/);
    expect(existsSync(join(bad, 'mcpops.lock'))).toBe(false);
    expect(readFileSync(join(bad, 'PG_VERSION'), 'utf8')).toBe('99\n');
  });
});

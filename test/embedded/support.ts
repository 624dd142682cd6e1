import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { assertConfigValid, loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { Database } from '../../src/db/open.js';
import { STORES } from '../../src/db/stores.js';

/**
 * Tests that build a folder from scratch (PGlite's initdb, then the schema) take ~3-10 s on an
 * idle 2-core machine; allow for a machine busy with other test files.
 */
export const FIRST_START_TIMEOUT_MS = 180_000;

export const STORE_A = STORES[0].rlsUserId;
export const STORE_B = STORES[1].rlsUserId;

export async function tempDir(
  prefix = 'mcpops-embedded-',
): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export async function embeddedConfig(dir: string, env: Record<string, string> = {}): Promise<Config> {
  const loaded = await loadConfig({
    env: { MCPOPS_EMBEDDED_DIR: dir, MCPOPS_EMBEDDED_SCALE: 'tiny', ...env },
    cwd: dir,
  });
  return assertConfigValid(loaded);
}

/**
 * A tiny stand-in for the Zava init (fast, for tests about the process rather than the data):
 * one table with RLS by store, FORCE'd, read by a NOLOGIN reader role.
 */
export function tinySchema(config: Config, rowsPerStore = 3) {
  return async (pool: pg.Pool): Promise<void> => {
    await pool.query(`
      CREATE SCHEMA retail;
      CREATE ROLE ${config.serveRole} NOLOGIN NOBYPASSRLS;
      CREATE TABLE retail.orders (id serial PRIMARY KEY, store_id uuid NOT NULL, note text);
      GRANT USAGE ON SCHEMA retail TO ${config.serveRole};
      GRANT SELECT ON retail.orders TO ${config.serveRole};
      ALTER TABLE retail.orders ENABLE ROW LEVEL SECURITY;
      ALTER TABLE retail.orders FORCE ROW LEVEL SECURITY;
      CREATE POLICY store_rows ON retail.orders FOR SELECT
        USING (store_id::text = current_setting('app.current_rls_user_id', true));
    `);
    for (const [i, id] of [STORES[0].rlsUserId, STORES[1].rlsUserId].entries()) {
      await pool.query(
        'INSERT INTO retail.orders (store_id, note) SELECT $1::uuid, $2 || g FROM generate_series(1, $3::int) g',
        [id, `store${i}-`, rowsPerStore * (i + 1)],
      );
    }
  };
}

export function pidAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

/** Reads the worker pid from the lock file (line 2). */
export async function workerPid(dir: string): Promise<number | undefined> {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(join(dir, 'mcpops.lock'), 'utf8').catch(() => '');
  const pid = Number(text.split('\n')[1]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export type { Database };

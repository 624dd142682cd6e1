import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type pg from 'pg';
import type { DatabaseTarget } from '../../config/database.js';
import type { Config } from '../../config/schema.js';
import { ConfigError, InterruptedError, McpopsError, UnavailableError } from '../../errors.js';
import type { Database, OpenDatabaseOptions } from '../database.js';
import { classifyDbError } from '../errors.js';
import { EmbeddedHost } from './host.js';
import { embeddedOwner } from './lock.js';
import { assertOwnFolder, clearInterruptedFolder, readEmbeddedMeta, writeEmbeddedMeta } from './meta.js';
import { createEmbeddedPool, type EmbeddedPool } from './pool.js';

export { embeddedLockHolder, LOCK_FILE } from './lock.js';
export { META_FILE, readEmbeddedMeta } from './meta.js';

type Progress = NonNullable<OpenDatabaseOptions['onProgress']>;

/** Per statement while the first start loads the sample (our own, bounded work). */
const INIT_STATEMENT_LIMIT_MS = 10 * 60_000;

const hosts = new WeakMap<pg.Pool, EmbeddedHost>();

/** The port of the database worker itself (behind the broker) while this process owns the folder. */
export function embeddedWorkerPort(db: Pick<Database, 'pool'>): number | undefined {
  return hosts.get(db.pool)?.worker?.port;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How long a process waits for another one to finish creating the folder's database. */
const ATTACH_WAIT_MS = 15 * 60_000;

/**
 * Waits until another process owns a ready database on the folder (true), or the folder is free
 * and this process has taken it (false).
 */
async function attachOrOwn(host: EmbeddedHost, progress: Progress): Promise<boolean> {
  const until = Date.now() + ATTACH_WAIT_MS;
  let told = false;
  while (Date.now() < until) {
    if (host.tryOwn()) return false;
    const owner = embeddedOwner(host.dir);
    const meta = readEmbeddedMeta(host.dir);
    if (owner && meta?.state === 'ready') {
      progress(`the embedded database at ${host.dir} is open in process ${owner.pid}; attached to it`);
      return true;
    }
    if (!told) {
      progress(`waiting for process ${host.ownerPid() ?? '?'} to finish opening the embedded database`);
      told = true;
    }
    await delay(200);
  }
  throw new UnavailableError(`the embedded database at ${host.dir} did not become ready`, {
    code: 'embedded_in_use',
    suggestion: `Process ${host.ownerPid() ?? '?'} holds the folder; stop it, or use another folder with --embedded-dir.`,
  });
}

/**
 * Opens the embedded PGlite database under `target.dir`. The first process to open a folder owns
 * it: it starts PGlite in a worker process, builds the Zava sample on first start, and runs the
 * session broker every connection goes through. Later processes attach to that broker, and one of
 * them takes the folder over when the owner exits. Statement time limits are enforced from
 * outside (see QueryWatchdog).
 */
export async function openEmbeddedDatabase(
  config: Config,
  target: Extract<DatabaseTarget, { kind: 'embedded' }>,
  options: OpenDatabaseOptions = {},
): Promise<Database> {
  const dir = resolve(target.dir);
  const where = `embedded PGlite at ${dir}`;
  const progress: Progress = options.onProgress ?? (() => {});
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new ConfigError(`cannot create the embedded database folder ${dir}: ${(error as Error).message}`, {
      code: 'embedded_dir',
      suggestion: 'Choose a writable folder with --embedded-dir or MCPOPS_EMBEDDED_DIR.',
      cause: error,
    });
  }
  assertOwnFolder(dir);
  const host = new EmbeddedHost(dir);
  let pool: pg.Pool | undefined;
  try {
    const attached = await attachOrOwn(host, progress);
    const embedded = createEmbeddedPool(config, host, options.applicationName);
    pool = embedded.pool;
    if (!attached) await startOwner(config, dir, host, embedded, options, progress);
    if (options.probe !== false) await pool.query('SELECT 1');
    progress('the embedded database is ready');
    const ready = pool;
    hosts.set(ready, host);
    let closing: Promise<void> | undefined;
    return {
      pool: ready,
      target,
      get url() {
        return embedded.url();
      },
      where,
      embedded: true,
      close() {
        closing ??= (async () => {
          await ready.end().catch(() => {});
          await host.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await pool?.end().catch(() => {});
    await host.close().catch(() => {});
    if (options.signal?.aborted && host.wasOwner && readEmbeddedMeta(dir)?.state === 'initialising') {
      clearInterruptedFolder(dir);
      throw new InterruptedError(
        `interrupted: the embedded database in ${dir} was not finished, and nothing of it was kept`,
        { suggestion: 'Run the command again to create it.' },
      );
    }
    throw classifyDbError(error, where);
  }
}

/** The owner's start: rebuild an interrupted first start, start the worker, build on first start. */
async function startOwner(
  config: Config,
  dir: string,
  host: EmbeddedHost,
  embedded: EmbeddedPool,
  options: OpenDatabaseOptions,
  progress: Progress,
): Promise<void> {
  let meta = readEmbeddedMeta(dir);
  const initialise = options.initialise;
  if (meta?.state !== 'ready' && !initialise) {
    // Checked before anything is written or cleared: the folder stays as it was.
    throw new McpopsError(`the embedded database in ${dir} needs a first start, and no builder was given`, {
      code: 'internal',
      suggestion: 'A bug in mcpops: the caller must open it with `initialise` (the Zava first start).',
    });
  }
  if (meta?.state === 'initialising') {
    progress('the previous first start did not finish; rebuilding the embedded database');
    clearInterruptedFolder(dir);
    meta = undefined;
  }
  const firstStart = meta === undefined;
  const startedAt = Date.now();
  const createdAt = new Date().toISOString();
  if (firstStart) {
    writeEmbeddedMeta(dir, { format: 1, state: 'initialising', scale: config.embeddedScale, createdAt });
    progress(`creating the embedded database in ${dir}`);
  } else {
    progress(`starting the embedded database in ${dir}`);
  }
  await host.startOwned();
  if (!firstStart) return;
  embedded.watchdog.limitMs = Math.max(config.statementTimeoutMs, INIT_STATEMENT_LIMIT_MS);
  await initialise?.(embedded.pool, progress);
  // Checked before `ready` is written: a first start is either whole and ready, or not kept.
  if (options.signal?.aborted) throw new InterruptedError('interrupted during the first start');
  embedded.watchdog.limitMs = config.statementTimeoutMs;
  writeEmbeddedMeta(dir, {
    format: 1,
    state: 'ready',
    scale: config.embeddedScale,
    createdAt,
    readyAt: new Date().toISOString(),
    initSeconds: Math.round((Date.now() - startedAt) / 100) / 10,
  });
}

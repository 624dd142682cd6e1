import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type pg from 'pg';
import type { DatabaseTarget } from '../../config/database.js';
import type { Config } from '../../config/schema.js';
import { ConfigError } from '../../errors.js';
import { classifyDbError } from '../errors.js';
import type { Database, OpenDatabaseOptions } from '../open.js';
import { acquireEmbeddedLock } from './lock.js';
import { assertOwnFolder, clearInterruptedFolder, readEmbeddedMeta, writeEmbeddedMeta } from './meta.js';
import { createEmbeddedPool } from './pool.js';
import { EmbeddedProcess } from './process.js';

export { embeddedLockHolder, LOCK_FILE } from './lock.js';
export { META_FILE, readEmbeddedMeta } from './meta.js';

type Progress = NonNullable<OpenDatabaseOptions['onProgress']>;

export interface EmbeddedOpenOptions extends OpenDatabaseOptions {
  /**
   * Builds the database on first start; default: the Zava schema, roles, RLS and sample data
   * through the same `initDatabase` as `mcpops db init`.
   */
  initialise?: (pool: pg.Pool, onProgress: Progress) => Promise<unknown>;
}

/** Per statement while the first start loads the sample (our own, bounded work). */
const INIT_STATEMENT_LIMIT_MS = 10 * 60_000;

async function initialiseZava(config: Config, pool: pg.Pool, onProgress: Progress): Promise<void> {
  const { initDatabase } = await import('../init/index.js');
  await initDatabase(pool, {
    sampleData: true,
    scale: config.embeddedScale,
    readerRole: config.serveRole,
    loginRole: config.serveLoginRole,
    onProgress: (p) => onProgress(p.phase, p.done, p.total),
  });
  // Product vectors, so semantic search works out of the box: only with an offline provider
  // (a cloud provider is for `mcpops embeddings sync`). Not through initDatabase's
  // afterSampleData hook: that runs while init holds the pool's only connection.
  if (config.embeddingProvider === 'azure-openai') {
    onProgress(
      `product embeddings skipped (provider ${config.embeddingProvider}); run \`mcpops embeddings sync\``,
    );
    return;
  }
  const [{ createEmbeddingProvider }, { embedSampleData }] = await Promise.all([
    import('../../embeddings/index.js'),
    import('../../embeddings/sync.js'),
  ]);
  const provider = await createEmbeddingProvider(config);
  try {
    await embedSampleData(pool, provider, {
      onProgress: (p) => onProgress('embedding products', p.done, p.total),
    });
  } finally {
    // Serve loads the model again only when a semantic search needs it.
    await provider.close?.();
  }
}

/**
 * Opens the embedded PGlite database under `target.dir`: starts it in a worker process behind a
 * loopback socket server, builds it with the Zava sample on first start, and returns a pg pool on
 * it. Statement time limits are enforced from outside (see QueryWatchdog); a lock file keeps a
 * second process off the folder.
 */
export async function openEmbeddedDatabase(
  config: Config,
  target: Extract<DatabaseTarget, { kind: 'embedded' }>,
  options: EmbeddedOpenOptions = {},
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
  const lock = acquireEmbeddedLock(dir);
  const worker = new EmbeddedProcess({
    dataDir: dir,
    onWorker: (pid) => lock.setWorkerPid(pid),
  });
  const onExit = () => worker.signalExit();
  process.once('exit', onExit);
  let pool: pg.Pool | undefined;
  try {
    let meta = readEmbeddedMeta(dir);
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
    await worker.start();
    const embedded = createEmbeddedPool(config, worker, options.applicationName);
    pool = embedded.pool;
    if (firstStart) {
      embedded.watchdog.limitMs = Math.max(config.statementTimeoutMs, INIT_STATEMENT_LIMIT_MS);
      await (options.initialise ?? ((p, onProgress) => initialiseZava(config, p, onProgress)))(
        pool,
        progress,
      );
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
    if (options.probe !== false) await pool.query('SELECT 1');
    progress('the embedded database is ready');
    const ready = pool;
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
          await worker.stop();
          process.off('exit', onExit);
          lock.release();
        })();
        return closing;
      },
    };
  } catch (error) {
    await pool?.end().catch(() => {});
    await worker.stop().catch(() => {});
    process.off('exit', onExit);
    lock.release();
    throw classifyDbError(error, where);
  }
}

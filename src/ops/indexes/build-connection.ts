import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { loadSql } from '../../db/sql-files.js';
import { InterruptedError } from '../../errors.js';
import type { IndexPlanItem } from './plan.js';

/*
 * The connections of one index build: the dedicated build session (its SETs as separate
 * queries), the watcher that polls progress and cancels on Ctrl-C, and the cleanup drops.
 */

export interface BuildProgress {
  name: string;
  phase: string;
  blocksDone: number;
  blocksTotal: number;
  tuplesDone: number;
  tuplesTotal: number;
}

export type BuildProgressEvent = { kind: 'progress'; progress: BuildProgress };

/** What one build needs of the apply options. */
export interface BuildOptions {
  /** Embedded (PGlite) is single-user: plain CREATE INDEX, no second connection to watch it. */
  embedded: boolean;
  lockTimeoutMs: number;
  statementTimeoutMs: number;
  maintenanceWorkMem: string;
  pollMs?: number;
  signal?: AbortSignal;
  onEvent?: (event: BuildProgressEvent) => void;
}

const VECTOR = new Set(['hnsw', 'ivfflat']);

/** One build on a dedicated connection: the SETs and the build are separate queries (no implicit transaction). */
export async function build(
  pool: pg.Pool,
  item: IndexPlanItem,
  statement: string,
  options: BuildOptions,
): Promise<void> {
  const client = await pool.connect();
  let stop = (): void => {};
  try {
    await configureSession(client, options, VECTOR.has(item.method));
    if (!options.embedded) {
      const { rows } = await client.query('SELECT pg_backend_pid() AS pid');
      stop = watchBuild(pool, item.name, Number(rows[0].pid), options);
    }
    if (options.signal?.aborted) throw new InterruptedError();
    await client.query(statement);
  } finally {
    stop();
    // Destroyed, not returned: its session settings must not reach another borrower.
    client.release(true);
  }
}

async function configureSession(
  client: pg.PoolClient,
  options: BuildOptions,
  vector: boolean,
): Promise<void> {
  await client.query(`SET lock_timeout = ${Math.trunc(options.lockTimeoutMs)}`);
  await client.query(`SET statement_timeout = ${Math.trunc(options.statementTimeoutMs)}`);
  if (vector) await client.query(`SET maintenance_work_mem = '${options.maintenanceWorkMem}'`);
}

/** Polls pg_stat_progress_create_index, and cancels the build from another connection on Ctrl-C. */
function watchBuild(pool: pg.Pool, name: string, pid: number, options: BuildOptions): () => void {
  let stopped = false;
  const cancel = (): void => {
    pool.query('SELECT pg_cancel_backend($1)', [pid]).catch(() => {});
  };
  options.signal?.addEventListener('abort', cancel, { once: true });
  const poll = async (): Promise<void> => {
    while (!stopped) {
      await sleep(options.pollMs ?? 500, undefined, { ref: false });
      if (stopped || !options.onEvent) continue;
      const { rows } = await pool
        .query(loadSql('indexes/catalog/progress'), [pid])
        .catch(() => ({ rows: [] }));
      const row = rows[0];
      if (row && !stopped) {
        options.onEvent({
          kind: 'progress',
          progress: {
            name,
            phase: row.phase,
            blocksDone: Number(row.blocks_done),
            blocksTotal: Number(row.blocks_total),
            tuplesDone: Number(row.tuples_done),
            tuplesTotal: Number(row.tuples_total),
          },
        });
      }
    }
  };
  void poll();
  return () => {
    stopped = true;
    options.signal?.removeEventListener('abort', cancel);
  };
}

export async function dropIndex(pool: pg.Pool, target: string, options: BuildOptions): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query(`SET lock_timeout = ${Math.trunc(options.lockTimeoutMs)}`);
    await client.query(`DROP INDEX ${options.embedded ? '' : 'CONCURRENTLY '}IF EXISTS ${target}`);
  } finally {
    client.release(true);
  }
}

/** Drops the index only when it is an INVALID leftover: never one somebody else built meanwhile. */
export async function dropIfInvalid(pool: pg.Pool, target: string, options: BuildOptions): Promise<void> {
  const { rows } = await pool.query('SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass($1)', [
    target,
  ]);
  if (rows[0] && rows[0].indisvalid === false) await dropIndex(pool, target, options);
}

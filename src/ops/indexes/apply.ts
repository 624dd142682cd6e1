import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { InterruptedError, OperationError } from '../../errors.js';
import { type BuildProgressEvent, build, dropIfInvalid, dropIndex } from './build-connection.js';
import { quoteIdent } from './catalog.js';
import { buildStatement } from './definitions.js';
import type { IndexPlan, IndexPlanItem } from './plan.js';

export type { BuildProgress } from './build-connection.js';

export type ApplyEvent =
  | { kind: 'start'; item: IndexPlanItem; attempt: number }
  | BuildProgressEvent
  | { kind: 'retry'; item: IndexPlanItem; attempt: number; delayMs: number; reason: string }
  | { kind: 'done'; result: IndexApplyItem };

export interface ApplyOptions {
  /** Embedded (PGlite) is single-user: plain CREATE INDEX, no second connection to watch it. */
  embedded: boolean;
  lockTimeoutMs: number;
  statementTimeoutMs: number;
  maintenanceWorkMem: string;
  lockRetries: number;
  /** First backoff after a lock timeout; doubles each retry. */
  retryDelayMs?: number;
  pollMs?: number;
  signal?: AbortSignal;
  onEvent?: (event: ApplyEvent) => void;
}

export interface IndexApplyItem {
  name: string;
  table: string;
  action: IndexPlanItem['action'];
  status: 'created' | 'rebuilt' | 'replaced' | 'failed';
  attempts: number;
  durationMs: number;
  error?: string;
}

export interface IndexApplyResult {
  items: IndexApplyItem[];
  analyzed: string[];
  /** Time spent in ANALYZE of the changed tables. */
  analyzeMs: number;
  failed: number;
  concurrently: boolean;
  note?: string;
}

const MEMORY = /^\d+(kB|MB|GB)$/;

/**
 * Carries out the changes of a plan one index at a time, each on its own connection outside
 * any transaction. A failed build is cleaned up (its INVALID index dropped) and the next one
 * goes on; Ctrl-C cancels the running build, cleans up and stops.
 */
export async function applyIndexPlan(
  pool: pg.Pool,
  plan: IndexPlan,
  options: ApplyOptions,
): Promise<IndexApplyResult> {
  if (plan.errors > 0)
    throw new OperationError('the index plan has errors; nothing was applied', {
      code: 'index_plan_invalid',
    });
  if (!MEMORY.test(options.maintenanceWorkMem))
    throw new OperationError('invalid maintenance_work_mem', { code: 'config' });
  const items: IndexApplyItem[] = [];
  const tables = new Set<string>();
  for (const item of plan.items) {
    if (!['create', 'rebuild', 'replace'].includes(item.action)) continue;
    if (options.signal?.aborted)
      throw new InterruptedError('index apply interrupted; nothing more was built');
    const result = await applyOne(pool, item, options);
    items.push(result);
    options.onEvent?.({ kind: 'done', result });
    if (result.status !== 'failed') tables.add(item.table);
  }
  const analyzed: string[] = [];
  const analyzeStarted = Date.now();
  for (const table of tables) {
    const [schema, name] = splitTable(table);
    await pool.query(`ANALYZE ${quoteIdent(schema)}.${quoteIdent(name)}`);
    analyzed.push(table);
  }
  return {
    items,
    analyzed,
    analyzeMs: Date.now() - analyzeStarted,
    failed: items.filter((i) => i.status === 'failed').length,
    concurrently: !options.embedded,
    ...(options.embedded
      ? { note: 'embedded database: single-user, so indexes are built with plain CREATE INDEX' }
      : {}),
  };
}

async function applyOne(pool: pg.Pool, item: IndexPlanItem, options: ApplyOptions): Promise<IndexApplyItem> {
  const started = Date.now();
  const definition = item._definition!;
  const [schema] = splitTable(item.table);
  const concurrently = !options.embedded;
  const target = `${quoteIdent(schema)}.${quoteIdent(item.name)}`;
  const buildName = item.action === 'replace' ? `${item.name}_mcpops_new` : item.name;
  const statement = buildStatement(definition, { concurrently, name: buildName });
  const status = item.action === 'create' ? 'created' : item.action === 'rebuild' ? 'rebuilt' : 'replaced';
  const tries = { count: 0 };
  try {
    if (item.action === 'rebuild') await dropIndex(pool, target, options);
    if (item.action === 'replace')
      await dropIndex(pool, `${quoteIdent(schema)}.${quoteIdent(buildName)}`, options);
    await buildWithRetry(
      pool,
      item,
      statement,
      `${quoteIdent(schema)}.${quoteIdent(buildName)}`,
      options,
      tries,
    );
    if (item.action === 'replace') await swap(pool, schema, item.name, buildName, options);
    return {
      name: item.name,
      table: item.table,
      action: item.action,
      status,
      attempts: tries.count,
      durationMs: Date.now() - started,
    };
  } catch (error) {
    if (error instanceof InterruptedError) throw error;
    const message = (error as Error).message.split('\n')[0];
    return {
      name: item.name,
      table: item.table,
      action: item.action,
      status: 'failed',
      attempts: tries.count,
      durationMs: Date.now() - started,
      error: message,
    };
  }
}

async function buildWithRetry(
  pool: pg.Pool,
  item: IndexPlanItem,
  statement: string,
  target: string,
  options: ApplyOptions,
  tries: { count: number },
): Promise<void> {
  let delay = options.retryDelayMs ?? 2000;
  for (let attempt = 1; ; attempt++) {
    tries.count = attempt;
    options.onEvent?.({ kind: 'start', item, attempt });
    try {
      await build(pool, item, statement, options);
      return;
    } catch (error) {
      const code = (error as { code?: string }).code;
      // A failed concurrent build leaves an INVALID index behind; it must go before a retry.
      await dropIfInvalid(pool, target, options).catch(() => {});
      if (options.signal?.aborted) {
        throw new InterruptedError(
          `index apply interrupted: the build of ${item.name} was cancelled and its leftover dropped`,
        );
      }
      if (code !== '55P03' || attempt > options.lockRetries) throw error;
      options.onEvent?.({ kind: 'retry', item, attempt, delayMs: delay, reason: 'lock timeout' });
      await sleep(delay, undefined, { signal: options.signal }).catch(() => {});
      delay *= 2;
    }
  }
}

/** Swaps names in one short transaction, then drops the old index concurrently. */
async function swap(
  pool: pg.Pool,
  schema: string,
  name: string,
  built: string,
  options: ApplyOptions,
): Promise<void> {
  const old = `${name}_mcpops_old`;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL lock_timeout = ${Math.trunc(options.lockTimeoutMs)}`);
    await client.query(`ALTER INDEX ${quoteIdent(schema)}.${quoteIdent(name)} RENAME TO ${quoteIdent(old)}`);
    await client.query(
      `ALTER INDEX ${quoteIdent(schema)}.${quoteIdent(built)} RENAME TO ${quoteIdent(name)}`,
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release(true);
  }
  await dropIndex(pool, `${quoteIdent(schema)}.${quoteIdent(old)}`, options);
}

function splitTable(table: string): [string, string] {
  const dot = table.indexOf('.');
  return [table.slice(0, dot), table.slice(dot + 1)];
}

import { existsSync } from 'node:fs';
import type pg from 'pg';
import { resolveDatabaseTarget } from '../../config/database.js';
import type { Config } from '../../config/schema.js';
import { classifyDbError } from '../../db/errors.js';
import type { Database } from '../../db/open.js';
import { type CheckContext, type CheckResult, judge } from './types.js';

export const REACHABLE_ID = 'db.reachable';

/**
 * Opens the health pool and measures the round trip (the db.reachable check). On success the
 * context gets a query function that carries the remaining time as a client-side timeout.
 */
export async function reachDatabase(
  ctx: CheckContext,
  config: Config,
): Promise<{ db?: Database; result?: CheckResult; skip?: string }> {
  const target = resolveDatabaseTarget(config);
  if (target.kind === 'embedded' && !existsSync(target.dir))
    return { skip: `no database configured and the embedded one (${target.dir}) is not created yet` };
  const started = performance.now();
  const result = (
    status: CheckResult['status'],
    value: number | null,
    message: string,
    remedy: string | null,
  ): CheckResult => ({
    id: REACHABLE_ID,
    component: 'database',
    status,
    value,
    unit: 'ms',
    threshold: ctx.thresholds.latency_ms,
    message,
    remedy,
    durationMs: Math.round(performance.now() - started),
    ...(value !== null
      ? {
          perfdata: [
            {
              label: 'latency',
              value,
              uom: 'ms' as const,
              warn: ctx.thresholds.latency_ms.warn,
              crit: ctx.thresholds.latency_ms.crit,
              min: 0,
            },
          ],
        }
      : {}),
  });
  let db: Database | undefined;
  try {
    const { openDatabase } = await import('../bootstrap/open.js');
    // A hung query must not keep the process alive after the report: the server ends it too.
    const limit = Math.max(1, Math.ceil(ctx.remainingMs()));
    db = await withDeadline(
      openDatabase(config, {
        max: 4,
        probe: false,
        applicationName: 'mcpops health',
        statementTimeoutMs: limit,
      }),
      ctx,
    );
    const client = await withDeadline(db.pool.connect(), ctx);
    const connectMs = performance.now() - started;
    const before = performance.now();
    try {
      await client.query({
        text: 'SELECT 1',
        query_timeout: Math.max(1, ctx.remainingMs()),
      } as pg.QueryConfig);
    } finally {
      client.release();
    }
    const ms = Number((performance.now() - before).toFixed(2));
    const open = db;
    ctx.db = {
      pool: open.pool,
      embedded: open.embedded,
      query: async (sql, params) =>
        (
          await open.pool.query({
            text: sql,
            values: params,
            query_timeout: Math.max(1, ctx.remainingMs()),
          } as pg.QueryConfig)
        ).rows,
    };
    const status = judge(ms, ctx.thresholds.latency_ms);
    return {
      db,
      result: result(
        status,
        ms,
        `${open.where} answered SELECT 1 in ${ms} ms (connected in ${Math.round(connectMs)} ms)`,
        status === 'OK'
          ? null
          : 'Slow round trips: check the network path and the server load (pg_stat_activity).',
      ),
    };
  } catch (error) {
    const classified = classifyDbError(error);
    return {
      db,
      result: result(
        'CRITICAL',
        null,
        ctx.signal.aborted ? 'the database did not answer before the health timeout' : classified.message,
        classified.suggestion ?? 'Check that PostgreSQL is running and the connection settings are right.',
      ),
    };
  }
}

export function withDeadline<T>(promise: Promise<T>, ctx: CheckContext): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('health timeout'));
    if (ctx.signal.aborted) onAbort();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => ctx.signal.removeEventListener('abort', onAbort));
  });
}

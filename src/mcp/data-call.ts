import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type pg from 'pg';
import { classifyDbError } from '../db/errors.js';
import { withStoreSession } from '../db/session.js';
import { McpopsError } from '../errors.js';
import { type Identity, missingIdentityMessage } from './identity.js';
import { ShuttingDownError } from './inflight.js';
import { errorResult as compactError } from './results.js';
import type { ToolDeps, ToolExtra } from './tools/types.js';

export interface DataCall {
  identity: Identity;
  /** Runs `fn` on a client inside a read-only store session for this caller (one per use). */
  session<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
}

/**
 * The one road from a tool to the data: refuse without an identity, count the call as in
 * flight, run it in a read-only store session as the reader role with the caller's identity,
 * and turn any failure into an `isError` result a model can act on (never a stack trace).
 */
export async function runDataCall(
  deps: ToolDeps,
  extra: ToolExtra,
  tool: string,
  fn: (call: DataCall) => Promise<CallToolResult>,
  options: {
    hnswEfSearch?: number;
    /** The error result in the tool's own output shape (default: the compact query shape). */
    fail?: (message: string) => CallToolResult;
  } = {},
): Promise<CallToolResult> {
  const errorResult = options.fail ?? compactError;
  const identity = deps.identity(extra);
  if (!identity) {
    deps.log.info('tool refused', { tool, reason: 'no identity' });
    return errorResult(missingIdentityMessage(deps.transport));
  }
  const started = performance.now();
  const metrics = deps.production?.metrics;
  const queueMax = deps.config.poolQueueMax;
  if (queueMax !== undefined && deps.db.pool.waitingCount >= queueMax) {
    metrics?.toolCalls.inc({ tool, outcome: 'busy' });
    deps.log.warn('tool refused', { tool, identity: identity.label, reason: 'pool queue full' });
    return errorResult(
      `the server is busy: ${deps.db.pool.waitingCount} calls are already waiting for a database connection; nothing was run. Retry in a few seconds.`,
    );
  }
  const observe = (outcome: 'ok' | 'error', cached = false) => {
    const seconds = (performance.now() - started) / 1000;
    metrics?.toolCalls.inc({ tool, outcome });
    metrics?.toolDuration.observe({ tool }, seconds);
    if (!cached) {
      metrics?.dbQueries.inc({ outcome });
      metrics?.dbDuration.observe(seconds);
    }
  };
  try {
    const call = dataCall(deps, identity, options);
    const run = () =>
      deps.inflight.run(async () => {
        try {
          return await fn(call);
        } catch (error) {
          // After a database restart the pool may hand out a dead connection once.
          if (!isConnectionLoss(error)) throw error;
          return fn(call);
        }
      });
    // The breaker turns a dead database into fast, clear errors and probes it by itself.
    const result = deps.production ? await deps.production.breaker.run(run) : await run();
    const cached = result._meta?.cached === true;
    const rows = (result.structuredContent as { n?: number } | undefined)?.n;
    observe(result.isError ? 'error' : 'ok', cached);
    if (rows) metrics?.rowsReturned.inc(rows);
    deps.log.info('tool call', {
      tool,
      identity: identity.label,
      ms: Math.round(performance.now() - started),
      rows,
      cache: cached ? 'hit' : undefined,
      outcome: result.isError ? 'error' : 'ok',
    });
    return result;
  } catch (error) {
    observe('error');
    const elapsed = performance.now() - started;
    // The embedded database enforces the time limit by ending the connection, not by cancelling.
    const stopped =
      elapsed >= deps.config.statementTimeoutMs && classifyDbError(error).code === 'db_unreachable';
    const message = stopped ? timeoutMessage(deps) : describeToolError(error, deps);
    deps.log.warn('tool error', {
      tool,
      identity: identity.label,
      ms: Math.round(performance.now() - started),
      code: (error as { code?: string }).code,
      error: message,
    });
    return errorResult(message);
  }
}

/** The caller's call context: its identity and a way into its read-only store session. */
export function dataCall(
  deps: ToolDeps,
  identity: Identity,
  options: { hnswEfSearch?: number } = {},
): DataCall {
  const sessionOptions = {
    role: deps.config.serveRole,
    rlsUserId: identity.rlsUserId,
    statementTimeoutMs: deps.config.statementTimeoutMs,
    hnswEfSearch: options.hnswEfSearch,
    workMem: deps.config.workMem,
    where: deps.db.where,
  };
  const { reads } = deps.db;
  const posture = deps.production?.posture;
  return {
    identity,
    session: async (run) => {
      // Fail closed: no store session opens while a retail table's row security is off.
      await posture?.assertClosed();
      return reads ? reads.session(sessionOptions, run) : withStoreSession(deps.db.pool, sessionOptions, run);
    },
  };
}

/**
 * A connection lost before the caller's statement was sent (withStoreSession's connect or setup,
 * which it classifies): worth one more try. A raw error from the statement itself is not: the
 * statement may have run, and one killed for its time limit must not run twice.
 */
function isConnectionLoss(error: unknown): boolean {
  return error instanceof McpopsError && error.code === 'db_unreachable';
}

function timeoutMessage(deps: Pick<ToolDeps, 'config'>): string {
  return `the query ran longer than the ${deps.config.statementTimeoutMs} ms limit and was cancelled. Narrow it: add WHERE filters (e.g. on order_date or store_id), aggregate instead of listing rows, or join fewer tables.`;
}

/** A message for the model: what went wrong and how to fix it; nothing that names secrets. */
export function describeToolError(error: unknown, deps: Pick<ToolDeps, 'config'>): string {
  if (error instanceof ShuttingDownError) return error.message;
  const known = error instanceof McpopsError ? error : classifyDbError(error);
  if (known.code === 'circuit_open') return `${known.message}; nothing was run. ${known.suggestion}`;
  if (known.code === 'db_unreachable' || known.code === 'embedded_unavailable') {
    return 'the database is not reachable right now; nothing was run. Retry in a little while.';
  }
  if (known.code === 'db_timeout') return timeoutMessage(deps);
  if (known.code === 'db_error' || !(error instanceof McpopsError || (error as { code?: string })?.code)) {
    return 'the call failed inside the server; nothing was changed. Try again or simplify the request.';
  }
  return known.suggestion ? `${known.message}. ${known.suggestion}` : known.message;
}

import { resolveDatabaseTarget } from '../../config/database.js';
import { resolveThresholds, type Thresholds } from '../../config/health-thresholds.js';
import type { Config } from '../../config/schema.js';
import { classifyDbError } from '../../db/errors.js';
import type { Database } from '../../db/open.js';
import { UsageError } from '../../errors.js';
import { embeddingModelCheck, embeddingsFreshnessCheck, providerCheck, vectorCheck } from './ai-service.js';
import { blobCheck, serverReadyCheck } from './application.js';
import {
  blockedCheck,
  connectionsCheck,
  idleInTransactionCheck,
  longQueriesCheck,
} from './database-activity.js';
import { servePostureCheck } from './database-posture.js';
import {
  bloatCheck,
  duplicateIndexesCheck,
  invalidIndexesCheck,
  sequencesCheck,
  unusedIndexesCheck,
} from './database-schema.js';
import {
  cacheHitCheck,
  replicationCheck,
  slowStatementsCheck,
  versionCheck,
  wraparoundCheck,
} from './database-server.js';
import { REACHABLE_ID, reachDatabase, withDeadline } from './reach-database.js';
import { readReplicaCheck } from './read-replica.js';
import { diskCheck, loadCheck, memoryCheck } from './system.js';
import {
  type CheckContext,
  type CheckResult,
  COMPONENTS,
  type HealthCheck,
  type HealthComponent,
  type HealthReport,
  type SkippedCheck,
  worstStatus,
} from './types.js';

export { REACHABLE_ID };

/** Every check, in report order. `db.reachable` runs first and is built in. */
export const HEALTH_CHECKS: HealthCheck[] = [
  versionCheck,
  connectionsCheck,
  idleInTransactionCheck,
  longQueriesCheck,
  blockedCheck,
  cacheHitCheck,
  wraparoundCheck,
  invalidIndexesCheck,
  duplicateIndexesCheck,
  unusedIndexesCheck,
  sequencesCheck,
  bloatCheck,
  replicationCheck,
  readReplicaCheck,
  slowStatementsCheck,
  servePostureCheck,
  vectorCheck,
  embeddingsFreshnessCheck,
  embeddingModelCheck,
  providerCheck,
  loadCheck,
  memoryCheck,
  diskCheck,
  blobCheck,
  serverReadyCheck,
];

export interface CollectOptions {
  config: Config;
  serverUrl?: string;
  /** Check ids (db.connections), short ids (connections) or components (database). */
  only?: string[];
  skip?: string[];
  timeoutMs?: number;
  thresholds?: Thresholds;
  /** Replaces the built-in list (tests add a check that hangs). */
  checks?: HealthCheck[];
  /**
   * Judge this machine (load, memory, disk) although the database is elsewhere: for a run on the
   * database or serve host. Always on for the embedded database, which lives on this machine.
   */
  hostChecks?: boolean;
}

/** Extra time to reach an embedded database, which may have to start its worker first. */
const EMBEDDED_START_MS = 60_000;

/**
 * Runs the selected checks concurrently under one deadline: the database is reached first
 * (its latency is a check), then everything else at once, with the whole time limit starting
 * once the database answered (an embedded start-up must not eat it). A check still running at
 * the deadline, or one that throws, reports UNKNOWN; nothing here can hang cron.
 */
export async function collectHealth(options: CollectOptions): Promise<HealthReport> {
  const started = performance.now();
  const timeoutMs = options.timeoutMs ?? options.config.healthTimeoutMs;
  const thresholds = options.thresholds ?? resolveThresholds(options.config.healthThresholds);
  const all = options.checks ?? HEALTH_CHECKS;
  const embedded = resolveDatabaseTarget(options.config).kind === 'embedded';
  const skipped: SkippedCheck[] = [];
  const selected = selectChecks(all, options.only, options.skip).filter((check) => {
    const judgesThisHost = check.component === 'system';
    const asked = options.hostChecks || embedded || names(check, options.only);
    if (!judgesThisHost || asked) return true;
    skipped.push({
      id: check.id,
      component: check.component,
      reason: 'judges this machine, not the database host; pass --host-checks on the database or serve host',
    });
    return false;
  });
  const wantsDatabase = selected.some((c) => c.database) || selected.some((c) => c.id === REACHABLE_ID);
  let deadline = 0;
  let timer: NodeJS.Timeout | undefined;
  const ctx: CheckContext = {
    config: options.config,
    thresholds,
    serverUrl: options.serverUrl,
    signal: new AbortController().signal,
    remainingMs: () => Math.max(0, deadline - Date.now()),
  };
  const startClock = (ms: number) => {
    clearTimeout(timer);
    const current = new AbortController();
    ctx.signal = current.signal;
    deadline = Date.now() + ms;
    timer = setTimeout(() => current.abort(), ms);
  };
  startClock(wantsDatabase && embedded ? timeoutMs + EMBEDDED_START_MS : timeoutMs);
  const results: CheckResult[] = [];
  let db: Database | undefined;
  try {
    let dbDown: string | undefined;
    if (wantsDatabase) {
      const reached = await reachDatabase(ctx, options.config);
      db = reached.db;
      // The connection is made for the other database checks even when db.reachable is skipped.
      const reportIt = selected.some((c) => c.id === REACHABLE_ID);
      if (reached.skip) skipped.push({ id: REACHABLE_ID, component: 'database', reason: reached.skip });
      else if (reportIt) results.push(reached.result!);
      dbDown =
        reached.skip ?? (reached.result?.status === 'CRITICAL' ? 'the database is unreachable' : undefined);
      startClock(timeoutMs);
    }
    const outcomes = await Promise.all(
      selected
        .filter((check) => check.id !== REACHABLE_ID)
        .map((check) => runCheck(check, ctx, dbDown, timeoutMs)),
    );
    for (const outcome of outcomes) {
      if ('reason' in outcome) skipped.push(outcome);
      else results.push(outcome);
    }
  } finally {
    clearTimeout(timer);
    if (db) await Promise.race([db.close().catch(() => {}), new Promise((r) => setTimeout(r, 1000).unref())]);
  }
  return buildReport(results, skipped, performance.now() - started);
}

export function buildReport(
  results: CheckResult[],
  skipped: SkippedCheck[],
  durationMs: number,
): HealthReport {
  const components = Object.fromEntries(
    COMPONENTS.map((component) => {
      const checks = results.filter((r) => r.component === component);
      return [component, { status: worstStatus(checks.map((c) => c.status)), checks }];
    }),
  ) as HealthReport['components'];
  return {
    timestamp: new Date().toISOString(),
    overallStatus: worstStatus(results.map((r) => r.status)),
    components,
    failedComponents: COMPONENTS.filter((c) => components[c].status !== 'OK'),
    skipped,
    durationMs: Math.round(durationMs),
  };
}

/** The check was asked for by name (its id, short id or component) in --only. */
function names(check: HealthCheck, only?: string[]): boolean {
  return (only ?? []).some((t) => t === check.id || t === check.component || check.id.split('.')[1] === t);
}

function selectChecks(all: HealthCheck[], only?: string[], skip?: string[]): HealthCheck[] {
  const reachable = {
    id: REACHABLE_ID,
    component: 'database' as HealthComponent,
    database: true,
    run: async () => ({ skip: '' }),
  };
  const known = [reachable, ...all];
  const matches = (check: HealthCheck, token: string) =>
    check.id === token ||
    check.id.split('.')[1] === token ||
    check.component === token ||
    check.id.split('.')[0] === token;
  for (const token of [...(only ?? []), ...(skip ?? [])]) {
    if (!known.some((check) => matches(check, token))) {
      throw new UsageError(`unknown health check "${token}"`, {
        code: 'health_check_unknown',
        suggestion: `Use a component (${COMPONENTS.join(', ')}) or a check id: ${known.map((c) => c.id).join(', ')}.`,
      });
    }
  }
  return known.filter(
    (check) =>
      (!only?.length || only.some((t) => matches(check, t))) && !(skip ?? []).some((t) => matches(check, t)),
  );
}

async function runCheck(
  check: HealthCheck,
  ctx: CheckContext,
  dbDown: string | undefined,
  timeoutMs: number,
): Promise<CheckResult | SkippedCheck> {
  const started = performance.now();
  const base = { id: check.id, component: check.component };
  const unknown = (message: string, remedy: string | null): CheckResult => ({
    ...base,
    status: 'UNKNOWN',
    value: null,
    threshold: null,
    message,
    remedy,
    durationMs: Math.round(performance.now() - started),
  });
  if (check.database && dbDown)
    return unknown(`not run: ${dbDown}`, 'Fix the database connection first (see db.reachable).');
  try {
    const outcome = await withDeadline(check.run(ctx), ctx);
    if ('skip' in outcome) return { ...base, reason: outcome.skip };
    return {
      ...base,
      status: outcome.status,
      value: outcome.value,
      ...(outcome.unit ? { unit: outcome.unit } : {}),
      threshold: outcome.threshold ?? null,
      message: outcome.message,
      remedy: outcome.remedy ?? null,
      durationMs: Math.round(performance.now() - started),
      ...(outcome.perfdata ? { perfdata: outcome.perfdata } : {}),
    };
  } catch (error) {
    if (ctx.signal.aborted)
      return unknown(
        `did not finish within the health timeout (${timeoutMs} ms)`,
        'Raise MCPOPS_HEALTH_TIMEOUT_MS, or find what makes this check hang.',
      );
    const classified = classifyDbError(error);
    return unknown(`check failed: ${classified.message}`, classified.suggestion ?? null);
  }
}

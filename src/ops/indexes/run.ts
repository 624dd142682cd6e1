import type { Config } from '../../config/schema.js';
import { OperationError } from '../../errors.js';
import { openDatabase } from '../bootstrap/open.js';
import { type ApplyEvent, applyIndexPlan, type IndexApplyResult } from './apply.js';
import { type IndexPlan, type IndexPlanItem, planForJson, planIndexes } from './plan.js';

/** Tables above this size make a build "large": confirmed by the caller before it starts. */
const LARGE_TABLE_BYTES = 1024 ** 3;

export interface IndexApplyRequest {
  sets?: string[];
  only?: string[];
  files?: string[];
  replace?: boolean;
  dryRun?: boolean;
  signal?: AbortSignal;
  /** The plan, before anything is checked or changed (shown even when it has errors). */
  onPlan?: (plan: IndexPlan) => void;
  /** Asked before builds on large tables; false leaves everything as it was. */
  confirmLarge?: (items: IndexPlanItem[]) => Promise<boolean>;
  /** Said once before building when the database is embedded (plain CREATE INDEX). */
  onEmbedded?: () => void;
  onEvent?: (event: ApplyEvent) => void;
}

export type IndexApplyOutcome =
  | { kind: 'planned'; plan: IndexPlan; dryRun: boolean }
  | { kind: 'declined'; plan: IndexPlan }
  | { kind: 'applied'; plan: IndexPlan; result: IndexApplyResult };

/** Plans the recommended indexes, stops on a plan with errors or nothing to do, else builds them. */
export async function runIndexApply(config: Config, request: IndexApplyRequest): Promise<IndexApplyOutcome> {
  const db = await openDatabase(config, { max: 4, applicationName: 'mcpops index apply' });
  try {
    const plan = await planIndexes(db.pool, {
      sets: request.sets,
      only: request.only,
      files: request.files,
      vectorMethod: config.vectorIndexMethod,
      replace: Boolean(request.replace),
    });
    request.onPlan?.(plan);
    if (plan.errors > 0)
      throw new OperationError(
        `${plan.errors} index definition(s) do not match the database; nothing was changed`,
        {
          code: 'index_plan_invalid',
          details: { plan: planForJson(plan) },
          suggestion:
            'Fix the definitions named in the plan (table and column names), or create the tables first (mcpops db init), then run again.',
        },
      );
    if (request.dryRun || plan.changes === 0)
      return { kind: 'planned', plan, dryRun: Boolean(request.dryRun) };
    const large = plan.items.filter(
      (i) => i.action !== 'none' && i.action !== 'skip' && i.tableBytes > LARGE_TABLE_BYTES,
    );
    if (large.length && request.confirmLarge && !(await request.confirmLarge(large)))
      return { kind: 'declined', plan };
    if (db.embedded) request.onEmbedded?.();
    const result = await applyIndexPlan(db.pool, plan, {
      embedded: db.embedded,
      lockTimeoutMs: config.indexLockTimeoutMs,
      statementTimeoutMs: config.indexStatementTimeoutMs,
      maintenanceWorkMem: config.maintenanceWorkMem,
      lockRetries: config.indexLockRetries,
      signal: request.signal,
      onEvent: request.onEvent,
    });
    return { kind: 'applied', plan, result };
  } finally {
    await db.close();
  }
}

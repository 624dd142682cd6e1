import type pg from 'pg';
import type { Thresholds } from '../../config/health-thresholds.js';
import type { Config } from '../../config/schema.js';

export type HealthStatus = 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';
export type HealthComponent = 'database' | 'ai_service' | 'system' | 'application';
export const COMPONENTS: HealthComponent[] = ['database', 'ai_service', 'system', 'application'];

/** Worse statuses rank higher; UNKNOWN ranks above OK and below WARNING for "worst of" (Nagios exit code aside). */
const RANK: Record<HealthStatus, number> = { OK: 0, UNKNOWN: 1, WARNING: 2, CRITICAL: 3 };

export function worstStatus(statuses: HealthStatus[]): HealthStatus {
  return statuses.reduce<HealthStatus>((worst, s) => (RANK[s] > RANK[worst] ? s : worst), 'OK');
}

export function isWorse(next: HealthStatus, previous: HealthStatus): boolean {
  return RANK[next] > RANK[previous];
}

/** Nagios plugin exit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. */
export function statusExitCode(status: HealthStatus): 0 | 1 | 2 | 3 {
  return ({ OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 } as const)[status];
}

export interface Threshold {
  warn?: number;
  crit?: number;
}

/** Performance data for Nagios: `'label'=value[UOM];warn;crit;min;max`. */
export interface PerfDatum {
  label: string;
  value: number;
  uom?: '' | 's' | 'ms' | '%' | 'B' | 'c';
  warn?: number;
  crit?: number;
  min?: number;
  max?: number;
}

/** A ratio (0–1) with its ratio thresholds, as percent perfdata. */
export function percentPerfdata(label: string, ratio: number, t: Threshold, decimals = 2): PerfDatum {
  const percent = (v: number | undefined) => (v === undefined ? undefined : v * 100);
  return {
    label,
    value: Number((ratio * 100).toFixed(decimals)),
    uom: '%',
    warn: percent(t.warn),
    crit: percent(t.crit),
    min: 0,
    max: 100,
  };
}

export interface CheckResult {
  id: string;
  component: HealthComponent;
  status: HealthStatus;
  /** The measured value (a number where there is one). */
  value: number | string | boolean | null;
  unit?: string;
  threshold: Threshold | null;
  message: string;
  /** One line: what to do about it (null when OK). */
  remedy: string | null;
  durationMs: number;
  perfdata?: PerfDatum[];
}

export interface SkippedCheck {
  id: string;
  component: HealthComponent;
  reason: string;
}

export interface ComponentReport {
  status: HealthStatus;
  checks: CheckResult[];
}

/** The report shape of the reference (timestamp, overall status, components, failed components). */
export interface HealthReport {
  timestamp: string;
  overallStatus: HealthStatus;
  components: Record<HealthComponent, ComponentReport>;
  failedComponents: HealthComponent[];
  skipped: SkippedCheck[];
  durationMs: number;
}

export type CheckOutcome =
  | {
      status: HealthStatus;
      value: CheckResult['value'];
      unit?: string;
      threshold?: Threshold | null;
      message: string;
      remedy?: string | null;
      perfdata?: PerfDatum[];
    }
  | { skip: string };

export interface CheckContext {
  config: Config;
  thresholds: Thresholds;
  /** Present once the database answered; database checks run only then. */
  db?: {
    pool: pg.Pool;
    embedded: boolean;
    query<R extends pg.QueryResultRow = any>(sql: string, params?: unknown[]): Promise<R[]>;
  };
  serverUrl?: string;
  /** Aborted when the global timeout passes. */
  signal: AbortSignal;
  /** Milliseconds left before the global timeout. */
  remainingMs(): number;
}

export interface HealthCheck {
  id: string;
  component: HealthComponent;
  /** Needs the database; reported UNKNOWN without running when it is unreachable. */
  database?: boolean;
  run(ctx: CheckContext): Promise<CheckOutcome>;
}

/** Status of a value against warn/crit where higher is worse (or lower is worse with `lowerIsWorse`). */
export function judge(value: number, threshold: Threshold, lowerIsWorse = false): HealthStatus {
  const over = (limit: number | undefined) =>
    limit !== undefined && (lowerIsWorse ? value <= limit : value >= limit);
  if (over(threshold.crit)) return 'CRITICAL';
  if (over(threshold.warn)) return 'WARNING';
  return 'OK';
}

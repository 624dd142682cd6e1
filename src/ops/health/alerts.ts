import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type { CheckResult, HealthReport, HealthStatus } from './types.js';
import { isWorse } from './types.js';

const MINUTE = 60_000;

/** Cooldowns and severities from the reference's alert table; other checks: 10 min, by status. */
export const ALERT_RULES: Record<string, { cooldownMs: number; severity: string }> = {
  'db.reachable': { cooldownMs: 5 * MINUTE, severity: 'critical' },
  'db.slow_statements': { cooldownMs: 15 * MINUTE, severity: 'medium' },
  'system.load': { cooldownMs: 10 * MINUTE, severity: 'medium' },
  'system.memory': { cooldownMs: 5 * MINUTE, severity: 'high' },
};
export const DEFAULT_COOLDOWN_MS = 10 * MINUTE;

export interface AlertState {
  checks: Record<string, { status: HealthStatus; lastAlertAt?: string }>;
}

export interface Alert {
  id: string;
  component: string;
  severity: string;
  status: HealthStatus;
  previousStatus: HealthStatus;
  value: CheckResult['value'];
  message: string;
  remedy: string | null;
}

export interface AlertOutcome {
  sent: Alert[];
  suppressed: Array<{ id: string; reason: string }>;
  error?: string;
}

export interface AlertOptions {
  webhookUrl: string;
  stateFile: string;
  now?: Date;
  timeoutMs?: number;
}

export async function readAlertState(file: string): Promise<AlertState> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8'));
    return parsed && typeof parsed.checks === 'object' ? parsed : { checks: {} };
  } catch {
    // Missing or damaged state means "no history": at worst one repeated alert.
    return { checks: {} };
  }
}

async function writeAlertState(file: string, state: AlertState): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, file);
}

function severityOf(check: CheckResult): string {
  return (
    ALERT_RULES[check.id]?.severity ??
    (check.status === 'CRITICAL' ? 'high' : check.status === 'WARNING' ? 'medium' : 'low')
  );
}

/**
 * Posts one JSON alert for the checks whose status got worse since the last run, unless that
 * check alerted within its cooldown. The state file keeps statuses and alert times between
 * runs (cron). A failed POST leaves the state as it was, so the next run tries again.
 */
export async function processAlerts(report: HealthReport, options: AlertOptions): Promise<AlertOutcome> {
  const now = options.now ?? new Date();
  const state = await readAlertState(options.stateFile);
  const next: AlertState = { checks: { ...state.checks } };
  const alerts: Alert[] = [];
  const suppressed: AlertOutcome['suppressed'] = [];
  for (const check of Object.values(report.components).flatMap((c) => c.checks)) {
    const before = state.checks[check.id];
    const previous = before?.status ?? 'OK';
    next.checks[check.id] = { ...before, status: check.status };
    if (!isWorse(check.status, previous)) continue;
    const cooldown = ALERT_RULES[check.id]?.cooldownMs ?? DEFAULT_COOLDOWN_MS;
    const last = before?.lastAlertAt ? Date.parse(before.lastAlertAt) : undefined;
    if (last !== undefined && now.getTime() - last < cooldown) {
      suppressed.push({ id: check.id, reason: `cooldown until ${new Date(last + cooldown).toISOString()}` });
      continue;
    }
    alerts.push({
      id: check.id,
      component: check.component,
      severity: severityOf(check),
      status: check.status,
      previousStatus: previous,
      value: check.value,
      message: check.message,
      remedy: check.remedy,
    });
  }
  let error: string | undefined;
  if (alerts.length) {
    try {
      const response = await fetch(options.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          source: 'mcpops health',
          host: hostname(),
          timestamp: now.toISOString(),
          overallStatus: report.overallStatus,
          alerts,
        }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
      });
      if (!response.ok) error = `the webhook answered HTTP ${response.status}`;
    } catch (e) {
      error = `the webhook could not be reached (${(e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name})`;
    }
    for (const alert of alerts) {
      if (error) next.checks[alert.id] = state.checks[alert.id] ?? { status: 'OK' };
      else next.checks[alert.id] = { status: alert.status, lastAlertAt: now.toISOString() };
    }
  }
  await writeAlertState(options.stateFile, next);
  return { sent: error ? [] : alerts, suppressed, ...(error ? { error } : {}) };
}

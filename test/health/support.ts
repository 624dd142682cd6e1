import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveThresholds } from '../../src/config/health-thresholds.js';
import { assertConfigValid, loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { collectHealth } from '../../src/ops/health/collect.js';
import type { CheckResult, HealthReport } from '../../src/ops/health/types.js';

/** Config from an explicit environment only (no .env, no config file from the checkout). */
export async function healthConfig(env: Record<string, string>): Promise<Config> {
  const cwd = mkdtempSync(join(tmpdir(), 'mcpops-health-cfg-'));
  return assertConfigValid(
    await loadConfig({
      env: { MCPOPS_HEALTH_STATE_FILE: join(cwd, 'state.json'), ...env },
      cwd,
      flags: {},
    }),
  );
}

export function allChecks(report: HealthReport): CheckResult[] {
  return Object.values(report.components).flatMap((c) => c.checks);
}

/** Runs one check (plus db.reachable when it needs the database) with thresholds overridden. */
export async function runOne(
  config: Config,
  id: string,
  overrides: Record<string, Record<string, number>> = {},
  extra: { serverUrl?: string; timeoutMs?: number } = {},
): Promise<CheckResult> {
  const report = await collectHealth({
    config,
    only: [id],
    thresholds: resolveThresholds(overrides),
    ...extra,
  });
  const found = allChecks(report).find((c) => c.id === id);
  if (!found) {
    const skipped = report.skipped.find((s) => s.id === id);
    throw new Error(`${id} did not run${skipped ? `: skipped (${skipped.reason})` : ''}`);
  }
  return found;
}

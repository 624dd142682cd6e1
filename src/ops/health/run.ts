import type { Config } from '../../config/schema.js';
import type { AlertOutcome } from './alerts.js';
import { collectHealth } from './collect.js';
import type { HealthReport } from './types.js';

export interface HealthRequest {
  only?: string[];
  skip?: string[];
  hostChecks: boolean;
}

/** One health report on the configured database, server and host. */
export function checkHealth(config: Config, request: HealthRequest): Promise<HealthReport> {
  return collectHealth({
    config,
    serverUrl: config.serverUrl,
    only: request.only,
    skip: request.skip,
    hostChecks: request.hostChecks,
  });
}

/** The report, and the alerts it raised when an alert webhook is configured. */
export async function runHealth(
  config: Config,
  request: HealthRequest,
): Promise<{ report: HealthReport; alerts?: AlertOutcome }> {
  const report = await checkHealth(config, request);
  if (!config.alertWebhook) return { report };
  const { processAlerts } = await import('./alerts.js');
  const alerts = await processAlerts(report, {
    webhookUrl: config.alertWebhook,
    stateFile: config.healthStateFile,
  });
  return { report, alerts };
}

import type { Config } from '../../config/schema.js';
import type { Logger } from '../log.js';

/**
 * OpenTelemetry export to Azure Monitor (Application Insights), only when a connection string
 * is configured; the SDK is imported then and never otherwise.
 */
export async function startTelemetry(
  config: Pick<Config, 'applicationInsightsConnectionString'>,
  log: Logger,
): Promise<boolean> {
  const connectionString = config.applicationInsightsConnectionString?.reveal();
  if (!connectionString) return false;
  try {
    const { useAzureMonitor } = await import('@azure/monitor-opentelemetry');
    useAzureMonitor({ azureMonitorExporterOptions: { connectionString } });
    log.info('telemetry', { exporter: 'azure-monitor' });
    return true;
  } catch (error) {
    // Telemetry must never stop the server: say so and serve without it.
    log.warn('telemetry disabled', { error: (error as Error).message });
    return false;
  }
}

import { blobServiceClient } from '../backup/blob-client.js';
import { configuredAzureTarget } from '../backup/store.js';
import { type CheckOutcome, type HealthCheck, judge } from './types.js';

/** The backup container answers and exists (when Blob Storage is configured). */
export const blobCheck: HealthCheck = {
  id: 'app.blob_storage',
  component: 'application',
  async run(ctx) {
    // The same target parsing and credentials as backup and restore: green here means they work.
    const location = configuredAzureTarget(ctx.config);
    if (!location) return { skip: 'Azure Blob Storage is not configured' };
    const started = performance.now();
    let exists: boolean;
    try {
      const { client: service } = await blobServiceClient(ctx.config, location.accountUrl);
      exists = await service.getContainerClient(location.container).exists({ abortSignal: ctx.signal });
    } catch (error) {
      const e = error as { statusCode?: number; code?: string; message?: string };
      return {
        status: 'CRITICAL',
        value: null,
        threshold: null,
        message: `Blob container ${location.container} unreachable: ${e.statusCode ? `HTTP ${e.statusCode} ` : ''}${e.code ?? (e.message ?? '').split('\n')[0]}`,
        remedy:
          'Check AZURE_STORAGE_CONNECTION_STRING (or account + key/SAS/identity) and network access to the account.',
      };
    }
    const ms = performance.now() - started;
    if (!exists) {
      return {
        status: 'CRITICAL',
        value: false,
        threshold: null,
        message: `Blob container ${location.container} does not exist`,
        remedy: `Create it (az storage container create -n ${location.container}) or run a backup, which creates it.`,
      };
    }
    return httpOutcome(
      ctx.thresholds.http_latency_ms,
      ms,
      `Blob container ${location.container} reachable`,
      'blob_latency',
    );
  },
};

/** A running `mcpops serve` answers /ready with 200 (its database is reachable). */
export const serverReadyCheck: HealthCheck = {
  id: 'app.server_ready',
  component: 'application',
  async run(ctx) {
    const base = ctx.serverUrl ?? ctx.config.serverUrl;
    if (!base) return { skip: 'no --server-url given' };
    // Relative, so a server behind a path prefix (https://host/mcpops/) keeps its prefix.
    const url = new URL('ready', base.endsWith('/') ? base : `${base}/`);
    const started = performance.now();
    let response: Response;
    try {
      response = await fetch(url, { signal: ctx.signal, redirect: 'manual' });
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      const cause = (error as { cause?: { code?: string } }).cause;
      return {
        status: 'CRITICAL',
        value: null,
        threshold: null,
        message: `${url.href} unreachable (${cause?.code ?? (error as Error).message})`,
        remedy: 'Start `mcpops serve --http` there, or fix --server-url / MCPOPS_SERVER_URL.',
      };
    }
    const ms = performance.now() - started;
    const body = (await response.text().catch(() => '')).slice(0, 120).replace(/\s+/g, ' ');
    if (response.status !== 200) {
      return {
        status: 'CRITICAL',
        value: response.status,
        threshold: null,
        message: `${url.href} answered HTTP ${response.status}${body ? `: ${body}` : ''}`,
        remedy:
          'The server is up but not ready: check its database connection (its log and `mcpops health` against its database).',
      };
    }
    return httpOutcome(
      ctx.thresholds.http_latency_ms,
      ms,
      `${url.href} answered 200`,
      'server_ready_latency',
    );
  },
};

function httpOutcome(
  t: { warn?: number; crit?: number },
  ms: number,
  what: string,
  label: string,
): CheckOutcome {
  const status = judge(ms, t);
  return {
    status,
    value: Math.round(ms),
    unit: 'ms',
    threshold: t,
    message: `${what} in ${Math.round(ms)} ms`,
    remedy: status === 'OK' ? null : 'Slow answers: check the network path and the service load.',
    perfdata: [{ label, value: Math.round(ms), uom: 'ms', warn: t.warn, crit: t.crit, min: 0 }],
  };
}

import { isLoopbackHost } from '../../config/database.js';
import type { Config } from '../../config/schema.js';
import { openDatabase } from '../bootstrap/open.js';
import { loadPriceTable, selectPrices, shippedPriceFile } from '../cost/prices.js';
import { adviseScale, type ScaleAdvice, type ScaleOptions } from './advise.js';
import { collectLiveSnapshot } from './collect.js';
import { loadSnapshot, type MetricsSnapshot } from './snapshot.js';

export interface ScaleAdviseRequest extends Omit<ScaleOptions, 'prices'> {
  /** A recorded snapshot file; without it the live system is measured. */
  metricsFile?: string;
  /** Current replica count (overrides the snapshot's). */
  replicas?: number;
  pricesFile?: string;
  region: string;
  /** Gap between the two /metrics scrapes (live). */
  sampleMs: number;
  /** Loaded only when measuring live. */
  config: () => Promise<Config>;
  signal?: AbortSignal;
}

/** Loads the price table and a snapshot (recorded or live), then advises on it. */
export async function runScaleAdvise(request: ScaleAdviseRequest): Promise<ScaleAdvice> {
  const { metricsFile, replicas, pricesFile, region, sampleMs, config, signal, ...options } = request;
  const file = pricesFile ?? shippedPriceFile();
  const sheet = selectPrices(await loadPriceTable(file), region, undefined, file);
  let snapshot: MetricsSnapshot;
  if (metricsFile) {
    snapshot = await loadSnapshot(metricsFile);
    if (replicas !== undefined) snapshot.app.replicas.current = replicas;
  } else snapshot = await liveSnapshot(await config(), { replicas, sampleMs, tier: options.tier, signal });
  return adviseScale(snapshot, metricsFile ? 'file' : 'live', { ...options, prices: sheet });
}

async function liveSnapshot(
  config: Config,
  options: { replicas?: number; sampleMs: number; tier?: string; signal?: AbortSignal },
): Promise<MetricsSnapshot> {
  const db = await openDatabase(config, { max: 1, applicationName: 'mcpops scale-advise' });
  try {
    return await collectLiveSnapshot({
      pool: db.pool,
      serverUrl: config.serverUrl,
      databaseOnHost: db.embedded || (db.target.kind === 'server' && isLoopbackHost(db.target.host)),
      ...options,
    });
  } finally {
    await db.close();
  }
}

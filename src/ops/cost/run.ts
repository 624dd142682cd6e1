import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Config } from '../../config/schema.js';
import { UsageError } from '../../errors.js';
import { openDatabase } from '../bootstrap/open.js';
import { type CostComparison, type CostEstimate, compareEstimates, estimateCost } from './estimate.js';
import { type Measurement, measureWorkload } from './measure.js';
import { loadPriceTable, type PriceTable, selectPrices, shippedPriceFile } from './prices.js';
import { PRICES_API_ENV, refreshPrices } from './refresh.js';
import { loadWorkloadFile, parseWorkloadFlags, resolveWorkload, type WorkloadFile } from './workload.js';

export interface CostEstimateRequest {
  workloadFile?: string;
  compareFile?: string;
  /** `--set key=value` overrides, and `--region` when given on the command line. */
  sets?: string[];
  region?: string;
  currency?: string;
  pricesFile?: string;
  refresh?: { outFile?: string; baseUrl?: string; signal?: AbortSignal; now?: Date };
  measurement?: Measurement;
  /** `--measure`: fill the workload from the live database, backups and server before pricing. */
  measure?: { config: Config; backupDir?: string; signal?: AbortSignal };
  cwd?: string;
}

export interface CostEstimateReport {
  estimate: CostEstimate;
  comparison?: CostComparison;
  refreshed?: { file: string; found: string[]; missing: string[]; requests: number };
  measured?: { tables: Measurement['tables']; backups?: { method: string; count: number; note: string } };
  warnings: string[];
}

/** Measures (with `measure`), loads the profile(s) and prices (shipped, --prices or refreshed), prices it all. */
export async function runCostEstimate(request: CostEstimateRequest): Promise<CostEstimateReport> {
  if (request.measure && !request.measurement)
    request = { ...request, measurement: await measureLive(request.measure) };
  const cwd = request.cwd ?? process.cwd();
  const flags: WorkloadFile = parseWorkloadFlags(request.sets ?? []);
  if (request.region) flags.region = request.region;
  const file = request.workloadFile ? await loadWorkloadFile(resolve(cwd, request.workloadFile)) : undefined;
  const measured = request.measurement
    ? { values: request.measurement.values, notes: request.measurement.notes }
    : undefined;
  const first = resolveWorkload({ flags, measured, file });
  const warnings = [...(request.measurement?.warnings ?? [])];

  let table: PriceTable;
  let pricesFile: string;
  let refreshed: CostEstimateReport['refreshed'];
  if (request.refresh) {
    if (request.pricesFile)
      throw new UsageError('--prices and --refresh-prices cannot be used together', {
        code: 'prices_flags_conflict',
        suggestion: 'Refresh writes a new table (--prices-out); pass that table with --prices next time.',
      });
    const shipped = await loadPriceTable(shippedPriceFile());
    const result = await refreshPrices({
      region: first.workload.region,
      currency: request.currency?.toUpperCase(),
      baseUrl: request.refresh.baseUrl ?? process.env[PRICES_API_ENV],
      freeGrants: shipped.freeGrants,
      signal: request.refresh.signal,
      now: request.refresh.now,
    });
    table = result.table;
    pricesFile = resolve(
      cwd,
      request.refresh.outFile ?? `azure-prices-${first.workload.region}-${table.takenAt}.json`,
    );
    await writeFile(pricesFile, `${JSON.stringify(table, null, 2)}\n`);
    refreshed = { file: pricesFile, found: result.found, missing: result.missing, requests: result.requests };
    if (result.missing.length) warnings.push(`the retail API had no price for: ${result.missing.join(', ')}`);
  } else {
    pricesFile = request.pricesFile ? resolve(cwd, request.pricesFile) : shippedPriceFile();
    table = await loadPriceTable(pricesFile);
  }

  const sheetFor = (region: string) => selectPrices(table, region, request.currency, pricesFile);
  const estimate = estimateCost(first.workload, sheetFor(first.workload.region), first.inputs);
  let comparison: CostComparison | undefined;
  if (request.compareFile) {
    const other = resolveWorkload({
      flags,
      measured,
      file: await loadWorkloadFile(resolve(cwd, request.compareFile)),
    });
    if (other.workload.name === first.workload.name) other.workload.name = `${other.workload.name} (compare)`;
    comparison = compareEstimates(
      estimate,
      estimateCost(other.workload, sheetFor(other.workload.region), other.inputs),
    );
  }
  const m = request.measurement;
  return {
    estimate,
    comparison,
    refreshed,
    measured: m
      ? {
          tables: m.tables,
          backups: m.backups
            ? { method: m.backups.method, count: m.backups.backups.length, note: m.backups.note }
            : undefined,
        }
      : undefined,
    warnings,
  };
}

async function measureLive({ config, backupDir, signal }: NonNullable<CostEstimateRequest['measure']>) {
  const db = await openDatabase(config, { max: 2, applicationName: 'mcpops cost-estimate' });
  try {
    return await measureWorkload({
      pool: db.pool,
      backupDir,
      backupTarget: config.backupTarget ? { target: config.backupTarget, config } : undefined,
      serverUrl: config.serverUrl,
      signal,
    });
  } finally {
    await db.close();
  }
}

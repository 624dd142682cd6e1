import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { Config } from '../../config/schema.js';
import { loadSql } from '../../db/sql-files.js';
import {
  counterRate,
  METRIC_NAMES,
  type MetricKey,
  readMetric,
  type Sample,
  scrapeMetrics,
} from '../scale/prometheus.js';
import { type BackupMeasurement, measureBackupFolder, measureBackupTarget } from './measure-backups.js';
import type { FlatValues } from './workload.js';

const GIB = 1024 ** 3;
const round = (n: number, digits = 6) => Number(n.toFixed(digits));

export interface TableSize {
  schema: string;
  table: string;
  bytes: number;
  estimatedRows: number;
}

export interface Measurement {
  values: FlatValues;
  notes: Record<string, string>;
  tables: TableSize[];
  backups?: BackupMeasurement;
  /** What could not be measured, and why (the assumed value is used instead). */
  warnings: string[];
}

export interface MeasureOptions {
  pool: pg.Pool;
  backupDir?: string;
  /** A backup target (folder or azure://) read through the backup module; backupDir wins. */
  backupTarget?: { target: string; config: Config };
  serverUrl?: string;
  hoursPerMonth?: number;
  /** Without process_start_time_seconds, counters are read twice this far apart (0: once). */
  sampleMs?: number;
  signal?: AbortSignal;
}

const IDENT = /^[a-z_][a-z0-9_$]*$/i;
const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

async function measureDatabase(pool: pg.Pool, m: Measurement): Promise<void> {
  const size = await pool.query<{ bytes: string }>(
    'SELECT pg_database_size(current_database())::bigint AS bytes',
  );
  m.values['postgres.databaseSizeGb'] = round(Number(size.rows[0].bytes) / GIB);
  m.notes['postgres.databaseSizeGb'] =
    `pg_database_size = ${Number(size.rows[0].bytes).toLocaleString('en-US')} bytes`;
  const tables = await pool.query(loadSql('cost/table-sizes'));
  m.tables = tables.rows.map((r) => ({
    schema: r.schema_name,
    table: r.table_name,
    bytes: Number(r.bytes),
    estimatedRows: Number(r.estimated_rows),
  }));
  const where = await pool.query<{ table_schema: string }>(
    `SELECT table_schema FROM information_schema.columns WHERE table_name = 'products' AND column_name = 'product_description' ORDER BY (table_schema = 'retail') DESC, table_schema LIMIT 1`,
  );
  const schema = where.rows[0]?.table_schema;
  if (!schema || !IDENT.test(schema)) {
    m.warnings.push(
      'no products table with product_description: product count and description tokens assumed',
    );
    return;
  }
  // The schema name comes from the catalog and is checked above; it is still quoted.
  const products = await pool.query<{ n: string; chars: string | null }>(
    `SELECT count(*)::bigint AS n, avg(length(product_description))::float8 AS chars FROM ${quoteIdent(schema)}.products`,
  );
  const count = Number(products.rows[0].n);
  m.values['embeddings.productCount'] = count;
  m.notes['embeddings.productCount'] = `count(*) of ${schema}.products`;
  if (count > 0 && products.rows[0].chars !== null) {
    const chars = Number(products.rows[0].chars);
    m.values['embeddings.avgDescriptionTokens'] = Math.ceil(chars / 4);
    m.notes['embeddings.avgDescriptionTokens'] =
      `estimate: average description ${round(chars, 1)} characters ÷ 4 characters per token`;
  }
}

function applyBackups(b: BackupMeasurement, m: Measurement): void {
  m.backups = b;
  if (!b.backups.length) {
    m.warnings.push('the backup folder holds no backups: backup sizes assumed');
    return;
  }
  if (b.fullAvgBytes !== undefined) {
    m.values['backups.fullSizeGb'] = round(b.fullAvgBytes / GIB);
    m.notes['backups.fullSizeGb'] = `${b.method}: ${b.note}`;
  }
  if (b.incrementalAvgBytes !== undefined) {
    m.values['backups.incrementalSizeGb'] = round(b.incrementalAvgBytes / GIB);
    m.notes['backups.incrementalSizeGb'] = `${b.method}: ${b.note}`;
  }
  for (const [key, value] of [
    ['backups.fullsPerDay', b.fullsPerDay],
    ['backups.incrementalsPerDay', b.incrementalsPerDay],
  ] as const) {
    if (value !== undefined) {
      m.values[key] = round(value, 3);
      m.notes[key] = 'from the span between the oldest and newest backup';
    }
  }
}

type Scrape = { samples: Sample[]; scrapedAt: number };

/**
 * Requests and tokens per month from the server's counters: averaged over its uptime when it
 * exports process_start_time_seconds, else the rate between two scrapes `sampleMs` apart.
 */
export function trafficFromMetrics(
  first: Scrape,
  second: Scrape | undefined,
  hoursPerMonth: number,
  m: Measurement,
) {
  const month = hoursPerMonth * 3600;
  const start = readMetric(first.samples, 'processStart');
  const uptime = start ? first.scrapedAt / 1000 - start.value : undefined;
  let perSecond: (key: MetricKey) => { name: string; value: number; perSecond: number } | undefined;
  let span: string;
  if (uptime && uptime >= 60) {
    perSecond = (key) => {
      const found = readMetric(first.samples, key);
      return found && { ...found, perSecond: found.value / uptime };
    };
    span = `averaged over ${Math.round(uptime)} s of uptime, scaled to ${hoursPerMonth} h`;
  } else if (second) {
    perSecond = (key) => {
      const rate = counterRate(first, second, key);
      return rate && { name: rate.name, value: rate.perSecond * rate.seconds, perSecond: rate.perSecond };
    };
    span = `rate over a ${((second.scrapedAt - first.scrapedAt) / 1000).toFixed(1)} s window, scaled to ${hoursPerMonth} h`;
  } else {
    m.warnings.push(
      'server uptime unknown (no process_start_time_seconds) and no second scrape: traffic assumed',
    );
    return;
  }
  const requests = perSecond('requests');
  if (requests) {
    m.values['traffic.requestsPerMonth'] = Math.round(requests.perSecond * month);
    m.notes['traffic.requestsPerMonth'] = `${requests.name} ${span}`;
  } else m.warnings.push(`no request counter (${METRIC_NAMES.requests.join(', ')}): requests assumed`);
  const latest = second ?? first;
  const durSum = readMetric(latest.samples, 'requestDurationSum');
  const durCount = readMetric(latest.samples, 'requestDurationCount');
  if (durSum && durCount && durCount.value > 0) {
    m.values['traffic.avgRequestSeconds'] = round(durSum.value / durCount.value);
    m.notes['traffic.avgRequestSeconds'] = `${durSum.name} ÷ ${durCount.name}`;
  }
  const tokens = readMetric(latest.samples, 'embeddingTokens');
  const calls = perSecond('embeddingRequests');
  const callsTotal = readMetric(latest.samples, 'embeddingRequests');
  if (tokens && calls && callsTotal && callsTotal.value > 0) {
    m.values['embeddings.queriesPerMonth'] = Math.round(calls.perSecond * month);
    m.values['embeddings.avgQueryTokens'] = round(tokens.value / callsTotal.value, 2);
    m.notes['embeddings.queriesPerMonth'] = `${calls.name} ${span}`;
    m.notes['embeddings.avgQueryTokens'] = `${tokens.name} ÷ ${callsTotal.name}`;
  } else m.warnings.push('no embedding token counters on /metrics: query volume and tokens assumed');
}

/** Measures what it can; anything it cannot is a warning and stays assumed (never invented). */
export async function measureWorkload(options: MeasureOptions): Promise<Measurement> {
  const m: Measurement = { values: {}, notes: {}, tables: [], warnings: [] };
  await measureDatabase(options.pool, m);
  if (options.backupDir) applyBackups(await measureBackupFolder(options.backupDir), m);
  else if (options.backupTarget)
    applyBackups(await measureBackupTarget(options.backupTarget.target, options.backupTarget.config), m);
  else m.warnings.push('no folder backup target (MCPOPS_BACKUP_TARGET / --backup-dir): backup sizes assumed');
  if (options.serverUrl) {
    try {
      const first = await scrapeMetrics(options.serverUrl, { signal: options.signal });
      let second: Scrape | undefined;
      if (!readMetric(first.samples, 'processStart') && (options.sampleMs ?? 5000) > 0) {
        await sleep(options.sampleMs ?? 5000, undefined, { signal: options.signal });
        second = await scrapeMetrics(options.serverUrl, { signal: options.signal });
      }
      trafficFromMetrics(first, second, options.hoursPerMonth ?? 730, m);
    } catch (error) {
      m.warnings.push(`${(error as Error).message}: traffic assumed`);
    }
  } else
    m.warnings.push('no server URL (--server-url / MCPOPS_SERVER_URL): request and token counts assumed');
  return m;
}

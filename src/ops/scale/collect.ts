import { availableParallelism, freemem, loadavg, totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { loadSql } from '../../db/sql-files.js';
import { counterRate, readMetric, readPool, scrapeMetrics } from './prometheus.js';
import { type MetricsSnapshot, parseSnapshot } from './snapshot.js';

export interface CollectOptions {
  pool: pg.Pool;
  /** A running serve (its /metrics); without it, request and pool figures are left out. */
  serverUrl?: string;
  replicas?: number;
  /** Gap between the two /metrics scrapes that give request rates. */
  sampleMs?: number;
  /** The database runs on this host, so host CPU is its CPU too. */
  databaseOnHost?: boolean;
  tier?: string;
  signal?: AbortSignal;
  /** For tests: host figures instead of os.loadavg / os.freemem. */
  host?: { cpuPercent: number; memoryPercent: number };
}

/** Host CPU from the 1-minute load average over the CPU count, memory from free/total. */
export function hostUsage(): { cpuPercent: number; memoryPercent: number } {
  const cpuPercent = Math.min(100, (loadavg()[0] / availableParallelism()) * 100);
  const memoryPercent = (1 - freemem() / totalmem()) * 100;
  return { cpuPercent: Math.round(cpuPercent * 10) / 10, memoryPercent: Math.round(memoryPercent * 10) / 10 };
}

/** A snapshot from the live system: pg_stat_activity and settings, /metrics, host load. */
export async function collectLiveSnapshot(options: CollectOptions): Promise<MetricsSnapshot> {
  const notes: string[] = [];
  const { rows } = await options.pool.query(loadSql('scale/activity'));
  const a = rows[0];
  const host = options.host ?? hostUsage();
  notes.push(
    `host CPU ${host.cpuPercent} % = 1-minute load average ÷ ${availableParallelism()} CPUs; memory ${host.memoryPercent} % = 1 − free/total`,
  );
  const app: MetricsSnapshot['app'] = {
    replicas: { current: options.replicas ?? 1 },
    cpuPercent: host.cpuPercent,
    memoryPercent: host.memoryPercent,
  };
  if (options.replicas === undefined) notes.push('replicas not given (--replicas): 1 assumed');
  if (options.serverUrl) {
    const first = await scrapeMetrics(options.serverUrl, { signal: options.signal });
    await sleep(options.sampleMs ?? 2000, undefined, { signal: options.signal });
    const second = await scrapeMetrics(options.serverUrl, { signal: options.signal });
    const rate = counterRate(first, second, 'requests');
    if (rate) {
      app.requestsPerSecond = Math.round(rate.perSecond * 1000) / 1000;
      notes.push(`requests/s from ${rate.name} over ${rate.seconds.toFixed(1)} s`);
    }
    const sum = readMetric(second.samples, 'requestDurationSum');
    const count = readMetric(second.samples, 'requestDurationCount');
    if (sum && count && count.value > 0)
      app.avgRequestSeconds = Math.round((sum.value / count.value) * 1e6) / 1e6;
    const inFlight = readMetric(second.samples, 'inFlight');
    if (inFlight) app.inFlight = inFlight.value;
    const p = readPool(second.samples);
    if (p.total !== undefined || p.waiting !== undefined) {
      app.pool = {
        ...(p.max !== undefined ? { max: p.max } : {}),
        ...(p.total !== undefined ? { total: p.total } : {}),
        ...(p.idle !== undefined ? { idle: p.idle } : {}),
        ...(p.waiting !== undefined ? { waiting: p.waiting } : {}),
      };
    }
    if (p.waiting !== undefined) {
      app.queueDepth = p.waiting;
      notes.push(
        'queue = clients waiting for a pool connection (mcpops_db_pool_connections{state="waiting"})',
      );
    }
  } else notes.push('no server URL (--server-url / MCPOPS_SERVER_URL): request rate and pool stats unknown');
  if (app.queueDepth === undefined) {
    app.queueDepth = a.waiting;
    notes.push('queue = active queries waiting on a lock (pg_stat_activity), as no pool queue was available');
  }
  return parseSnapshot(
    {
      takenAt: new Date().toISOString(),
      app,
      database: {
        maxConnections: a.max_connections,
        superuserReserved: a.superuser_reserved,
        reserved: a.reserved,
        connections: {
          total: a.total,
          active: a.active,
          idle: a.idle,
          idleInTransaction: a.idle_in_transaction,
          waiting: a.waiting,
        },
        ...(options.databaseOnHost ? { cpuPercent: host.cpuPercent } : {}),
        ...(options.tier ? { tier: options.tier } : {}),
      },
      notes,
    },
    'live metrics',
  );
}

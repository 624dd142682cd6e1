import type { PriceSheet } from '../cost/prices.js';
import { renderSnippets, type ScaleSnippets } from './manifests.js';
import { pgbouncerNeed } from './pgbouncer.js';
import {
  type AutoscalerDecision,
  boundedPool,
  clampReplicas,
  connectionBudget,
  evaluateAutoscaler,
  type HpaResult,
  hpaDesired,
} from './rules.js';
import type { MetricsSnapshot } from './snapshot.js';
import { findTier, monthlyCompute, nextTier } from './tiers.js';

export interface ScaleOptions {
  minReplicas?: number;
  maxReplicas?: number;
  /** HPA target for average CPU utilisation, percent. */
  targetCpu?: number;
  /** HPA / Container Apps target for concurrent requests per replica. */
  targetConcurrency?: number;
  tolerance?: number;
  /** Connections kept free for admin, backups and health checks on top of the reserved ones. */
  reserveMargin?: number;
  /** Current database SKU (overrides the snapshot's). */
  tier?: string;
  prices?: PriceSheet;
  appName?: string;
}

export interface Decision {
  id: 'autoscaler' | 'replicas' | 'pool' | 'tier' | 'pgbouncer';
  recommendation: string;
  rule: string;
  reason: string;
  numbers: Record<string, number | string | boolean | null>;
}

export interface ScaleAdvice {
  source: 'file' | 'live';
  takenAt?: string;
  decisions: Decision[];
  autoscaler: AutoscalerDecision;
  replicas: { current: number; desired: number; min: number; max: number; metrics: HpaResult[] };
  pool: { perReplica: number; wanted: number; cap: number; load: number; budget: number };
  tier: {
    current?: string;
    recommended?: string;
    monthlyDelta?: number;
    currency?: string;
    pricesAsOf?: string;
  };
  snippets: ScaleSnippets;
  notes: string[];
}

const pct = (n: number) => `${Math.round(n * 10) / 10} %`;

/** Every decision from one snapshot, each with the rule that fired and its numbers. */
export function adviseScale(
  s: MetricsSnapshot,
  source: 'file' | 'live',
  options: ScaleOptions = {},
): ScaleAdvice {
  const app = s.app;
  const current = app.replicas.current;
  const min = options.minReplicas ?? app.replicas.min ?? 1;
  const max = Math.max(min, options.maxReplicas ?? app.replicas.max ?? 10);
  const decisions: Decision[] = [];

  const auto = evaluateAutoscaler({
    cpuPercent: app.cpuPercent,
    memoryPercent: app.memoryPercent,
    queueDepth: app.queueDepth,
    instances: current,
  });
  const queueText = app.queueDepth === undefined ? 'queue unknown' : `queue ${app.queueDepth}`;
  decisions.push({
    id: 'autoscaler',
    recommendation: auto.action === 'none' ? 'no action' : `scale ${auto.action}`,
    rule: `rule ${auto.ruleNumber}: ${auto.rule}`,
    reason:
      `CPU ${pct(app.cpuPercent)}, memory ${pct(app.memoryPercent)}, ${queueText}, ${current} instance(s)` +
      (auto.shadowed.length ? `; also matched but later in the order: ${auto.shadowed.join('; ')}` : ''),
    numbers: {
      cpuPercent: app.cpuPercent,
      memoryPercent: app.memoryPercent,
      queueDepth: app.queueDepth ?? null,
      instances: current,
    },
  });

  const targetCpu = options.targetCpu ?? 70;
  const targetConc = options.targetConcurrency ?? 10;
  const tolerance = options.tolerance ?? 0.1;
  const metrics = [hpaDesired(current, app.cpuPercent, targetCpu, 'cpu', tolerance)];
  const concurrency =
    app.inFlight !== undefined
      ? app.inFlight / current
      : app.requestsPerSecond !== undefined && app.avgRequestSeconds !== undefined
        ? (app.requestsPerSecond * app.avgRequestSeconds) / current
        : undefined;
  if (concurrency !== undefined)
    metrics.push(hpaDesired(current, concurrency, targetConc, 'concurrency', tolerance));
  // With several metrics the HPA takes the largest result.
  const largest = metrics.reduce((a, b) => (b.desired > a.desired ? b : a));
  const clamp = clampReplicas(largest.desired, min, max);
  decisions.push({
    id: 'replicas',
    recommendation:
      clamp.replicas === current
        ? `keep ${current} replica(s)`
        : `${clamp.replicas} replica(s) (now ${current})`,
    rule: `HPA desired = ceil(current × observed / target), no change within ±${tolerance}, largest metric wins, clamped to [${min}, ${max}]`,
    reason: [
      ...metrics.map(
        (m) =>
          `${m.metric}: ${m.withinTolerance ? `ratio ${m.ratio.toFixed(3)} within tolerance → ${current}` : `ceil(${current} × ${round(m.observed)} / ${m.target}) = ${m.desired}`}`,
      ),
      ...(clamp.clamped ? [`${largest.desired} clamped to ${clamp.clamped} ${clamp.replicas}`] : []),
    ].join('; '),
    numbers: {
      current,
      desired: clamp.replicas,
      unclamped: largest.desired,
      min,
      max,
      metric: largest.metric,
    },
  });

  const db = s.database;
  const margin = options.reserveMargin ?? 5;
  const budget = connectionBudget(db.maxConnections, db.superuserReserved, db.reserved, margin);
  const pool = app.pool;
  const poolBusy =
    pool?.total !== undefined && pool.idle !== undefined && (pool.max ?? pool.total) > 0
      ? (pool.total - pool.idle) / (pool.max ?? pool.total)
      : undefined;
  const load = Math.min(1, Math.max(app.cpuPercent / 100, poolBusy ?? 0));
  const bounded = boundedPool(load, max, budget);
  decisions.push({
    id: 'pool',
    recommendation:
      bounded.size >= 1
        ? `pool max ${bounded.size} per replica`
        : 'no pool fits: connection budget exhausted',
    rule: `${bounded.band}; bounded so max replicas × pool ≤ max_connections − reserved − margin`,
    reason:
      `load ${round(load)} = max(CPU ${pct(app.cpuPercent)}${poolBusy !== undefined ? `, pool busy ${round(poolBusy)}` : ''}) → ${bounded.wanted}; ` +
      `budget ${db.maxConnections} − ${db.superuserReserved} − ${db.reserved} − ${margin} = ${budget.budget}; ` +
      `${max} × ${bounded.size} = ${max * bounded.size} ≤ ${budget.budget}` +
      (bounded.bounded
        ? ` (cut from ${bounded.wanted}: ${max} × ${bounded.wanted} = ${max * bounded.wanted} would exceed it)`
        : ''),
    numbers: {
      load: round(load),
      wanted: bounded.wanted,
      cap: bounded.cap,
      poolMax: bounded.size,
      budget: budget.budget,
      maxReplicas: max,
    },
  });

  const tierDecision = adviseTier(s, options, bounded, max, margin);
  decisions.push(tierDecision.decision);
  const bouncer = pgbouncerNeed(s, max, bounded.wanted, budget.budget);
  if (bouncer) decisions.push({ id: 'pgbouncer', ...bouncer });
  const snippets = renderSnippets({
    appName: options.appName ?? 'mcpops-serve',
    minReplicas: min,
    maxReplicas: max,
    targetCpu,
    targetConcurrency: targetConc,
    poolMax: Math.max(1, bounded.size),
  });
  return {
    source,
    takenAt: s.takenAt,
    decisions,
    autoscaler: auto,
    replicas: { current, desired: clamp.replicas, min, max, metrics },
    pool: {
      perReplica: bounded.size,
      wanted: bounded.wanted,
      cap: bounded.cap,
      load: round(load),
      budget: budget.budget,
    },
    tier: tierDecision.tier,
    snippets,
    notes: s.notes,
  };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function adviseTier(
  s: MetricsSnapshot,
  options: ScaleOptions,
  pool: ReturnType<typeof boundedPool>,
  maxReplicas: number,
  margin: number,
): { decision: Decision; tier: ScaleAdvice['tier'] } {
  const db = s.database;
  const sku = options.tier ?? db.tier;
  const current = findTier(sku);
  const usable = Math.max(1, db.maxConnections - db.superuserReserved - db.reserved);
  const usage = db.connections.total / usable;
  const cpuOut = db.cpuPercent !== undefined && db.cpuPercent > 80;
  // Only what was observed moves the tier: a planned peak (max replicas × wanted pool) that does
  // not fit the budget is a replica or setting limit, never "exhausted" on an idle database.
  const connOut = usage >= 0.9;
  const planTooBig = pool.bounded || pool.size < 1;
  const needed = maxReplicas * pool.wanted + db.superuserReserved + db.reserved + margin;
  const numbers = {
    databaseCpuPercent: db.cpuPercent ?? null,
    connections: db.connections.total,
    usable,
    connectionUse: round(usage),
    connectionsNeeded: needed,
  };
  const facts = `database CPU ${db.cpuPercent === undefined ? 'unknown' : pct(db.cpuPercent)}, connections ${db.connections.total} of ${usable} usable (${pct(usage * 100)}), ${maxReplicas} × ${pool.wanted} wanted + reserved = ${needed} needed vs max_connections ${db.maxConnections}`;
  const rule =
    'change tier only when database CPU > 80 % or observed connection use ≥ 90 %; a planned peak that does not fit caps replicas instead';
  const pricing = { currency: options.prices?.currency, pricesAsOf: options.prices?.takenAt };
  if (
    !cpuOut &&
    (connOut || planTooBig) &&
    current &&
    db.maxConnections < needed &&
    current.maxConnections >= needed
  ) {
    // The server is set below its tier's default: raising the setting is free, a new tier is not.
    return {
      decision: {
        id: 'tier',
        recommendation: `keep ${current.sku}; raise max_connections from ${db.maxConnections} to ≥ ${needed} (the tier's default is ${current.maxConnections})`,
        rule,
        reason: `${connOut ? 'connection headroom exhausted' : 'planned peak does not fit'}: ${facts}`,
        numbers: { ...numbers, tierDefaultMaxConnections: current.maxConnections },
      },
      tier: { current: sku, ...pricing },
    };
  }
  if (!cpuOut && !connOut) {
    const fits = Math.max(1, Math.floor((usable - margin) / Math.max(1, pool.wanted)));
    return {
      decision: {
        id: 'tier',
        recommendation: planTooBig
          ? `keep ${sku ?? 'the current tier'}; the planned peak does not fit: cap max replicas at ${fits} or raise max_connections to ≥ ${needed}`
          : `keep ${sku ?? 'the current tier'}`,
        rule,
        reason: planTooBig ? `no observed pressure, planned peak too big: ${facts}` : facts,
        numbers,
      },
      tier: { current: sku, ...pricing },
    };
  }
  const next = nextTier(current, { cpu: cpuOut, connectionsNeeded: connOut ? needed : undefined });
  const why = [cpuOut ? 'CPU exhausted' : '', connOut ? 'connection headroom exhausted' : '']
    .filter(Boolean)
    .join(' and ');
  if (!next) {
    return {
      decision: {
        id: 'tier',
        recommendation:
          'no larger tier in the catalogue: put PgBouncer (transaction mode) in front, or cut max replicas',
        rule,
        reason: `${why}: ${facts}`,
        numbers,
      },
      tier: { current: sku, ...pricing },
    };
  }
  const newCost = monthlyCompute(options.prices, next.sku);
  const oldCost = current ? monthlyCompute(options.prices, current.sku) : undefined;
  let delta: number | undefined;
  let costText: string;
  if ('error' in newCost) costText = `monthly cost unknown (${newCost.error})`;
  else if (!oldCost)
    costText = `${next.sku} costs ${newCost.cost} ${pricing.currency}/month; current tier unknown (pass --db-tier) so no delta`;
  else if ('error' in oldCost) costText = `monthly delta unknown (${oldCost.error})`;
  else {
    delta = Math.round((newCost.cost - oldCost.cost) * 100) / 100;
    costText = `monthly compute ${oldCost.cost} → ${newCost.cost} ${pricing.currency} (${delta >= 0 ? '+' : ''}${delta}), prices as of ${pricing.pricesAsOf}${newCost.status === 'derived' || oldCost.status === 'derived' ? ', derived figures' : ''}`;
  }
  return {
    decision: {
      id: 'tier',
      recommendation: `${current ? `${current.sku} → ` : ''}${next.sku} (${next.vcores} vCores, max_connections ${next.maxConnections})`,
      rule,
      reason: `${why}: ${facts}; ${costText}${connOut ? '; PgBouncer in transaction mode is the alternative to a bigger tier' : ''}`,
      numbers: { ...numbers, monthlyDelta: delta ?? null },
    },
    tier: { current: sku, recommended: next.sku, monthlyDelta: delta, ...pricing },
  };
}

import type { MetricsSnapshot } from './snapshot.js';

export interface PgBouncerNeed {
  recommendation: string;
  rule: string;
  reason: string;
  numbers: Record<string, number>;
}

/**
 * PgBouncer (transaction mode) becomes necessary when the connections serve wants at its
 * replica ceiling (max replicas × wanted pool) exceed what the server can give. Behind it,
 * the server needs only connections for transactions actually running: the active ones now,
 * scaled to max replicas, plus a quarter for bursts, within the budget. Undefined when every
 * replica's wanted pool fits.
 */
export function pgbouncerNeed(
  s: MetricsSnapshot,
  maxReplicas: number,
  wantedPool: number,
  budget: number,
): PgBouncerNeed | undefined {
  const clientConnections = maxReplicas * wantedPool;
  if (clientConnections <= budget) return undefined;
  const current = Math.max(1, s.app.replicas.current);
  const activeAtMax = Math.ceil((s.database.connections.active * maxReplicas) / current);
  const serverPool = Math.max(1, Math.min(budget, Math.ceil(activeAtMax * 1.25)));
  return {
    recommendation: `put PgBouncer (pool_mode = transaction) in front: default_pool_size ${serverPool}, replicas keep pool max ${wantedPool}`,
    rule: 'PgBouncer when max replicas × wanted pool > max_connections − reserved − margin; server pool = active connections at max replicas × 1.25, within the budget',
    reason: `${maxReplicas} × ${wantedPool} = ${clientConnections} client connections wanted > budget ${budget}; ${s.database.connections.active} active now on ${current} replica(s) → ${activeAtMax} at ${maxReplicas} → default_pool_size ${serverPool}`,
    numbers: { clientConnections, budget, activeNow: s.database.connections.active, activeAtMax, serverPool },
  };
}

/** The scaling rules: pure functions over numbers, so tests can walk every rule and edge. */

export type ScaleAction = 'up' | 'down' | 'none';

export interface AutoscalerInput {
  cpuPercent: number;
  memoryPercent: number;
  /** Unknown queue: the two queue rules cannot fire. */
  queueDepth?: number;
  instances: number;
}

export interface AutoscalerDecision {
  action: ScaleAction;
  /** 1-based position of the rule that fired (6 = the fallback). */
  ruleNumber: number;
  rule: string;
  /** Earlier rules that would also have fired had this one not come first. */
  shadowed: string[];
}

/** The reference AutoScaler rules, in their order: the first that matches decides. */
export const AUTOSCALER_RULES: Array<{
  rule: string;
  action: ScaleAction;
  test: (i: AutoscalerInput) => boolean;
}> = [
  { rule: 'CPU > 80 % → up', action: 'up', test: (i) => i.cpuPercent > 80 },
  {
    rule: 'CPU < 20 % and instances > 1 → down',
    action: 'down',
    test: (i) => i.cpuPercent < 20 && i.instances > 1,
  },
  { rule: 'memory > 85 % → up', action: 'up', test: (i) => i.memoryPercent > 85 },
  {
    rule: 'queue > 100 → up',
    action: 'up',
    test: (i) => i.queueDepth !== undefined && i.queueDepth > 100,
  },
  {
    rule: 'queue < 10 and instances > 1 → down',
    action: 'down',
    test: (i) => i.queueDepth !== undefined && i.queueDepth < 10 && i.instances > 1,
  },
  { rule: 'otherwise → no action', action: 'none', test: () => true },
];

export function evaluateAutoscaler(input: AutoscalerInput): AutoscalerDecision {
  const index = AUTOSCALER_RULES.findIndex((r) => r.test(input));
  const fired = AUTOSCALER_RULES[index];
  // Later rules that also match but lose to the order (e.g. low CPU beats high memory).
  const shadowed = AUTOSCALER_RULES.slice(index + 1, -1)
    .filter((r) => r.test(input) && r.action !== fired.action)
    .map((r) => r.rule);
  return { action: fired.action, ruleNumber: index + 1, rule: fired.rule, shadowed };
}

export interface HpaResult {
  metric: string;
  observed: number;
  target: number;
  ratio: number;
  withinTolerance: boolean;
  /** ceil(current × observed / target), or current inside the tolerance band. */
  desired: number;
}

/** Kubernetes HPA: desired = ceil(current × observed / target); no change while |ratio − 1| ≤ tolerance. */
export function hpaDesired(
  current: number,
  observed: number,
  target: number,
  metric: string,
  tolerance = 0.1,
): HpaResult {
  const ratio = observed / target;
  // Rounded so 0.1 tolerance is exact in binary floating point (1.1 − 1 is 0.10000000000000009).
  const withinTolerance = Math.round(Math.abs(ratio - 1) * 1e9) / 1e9 <= tolerance;
  const desired = withinTolerance ? current : Math.ceil(Math.round(current * ratio * 1e9) / 1e9);
  return { metric, observed, target, ratio, withinTolerance, desired };
}

export function clampReplicas(
  desired: number,
  min: number,
  max: number,
): { replicas: number; clamped?: 'min' | 'max' } {
  if (desired < min) return { replicas: min, clamped: 'min' };
  if (desired > max) return { replicas: max, clamped: 'max' };
  return { replicas: desired };
}

/** The reference's pool bands, as a fraction of load 0..1; fractional sizes round up. */
export function poolForLoad(load: number): { size: number; band: string; raw: number } {
  const l = Math.min(1, Math.max(0, load));
  if (l < 0.3)
    return {
      raw: Math.max(2, l * 10),
      size: Math.ceil(Math.max(2, l * 10)),
      band: 'load < 0.3 → max(2, load × 10)',
    };
  if (l < 0.7)
    return {
      raw: Math.max(5, l * 15),
      size: Math.ceil(Math.max(5, l * 15)),
      band: 'load < 0.7 → max(5, load × 15)',
    };
  return {
    raw: Math.min(20, l * 25),
    size: Math.ceil(Math.min(20, l * 25)),
    band: 'load ≥ 0.7 → min(20, load × 25)',
  };
}

export interface ConnectionBudget {
  maxConnections: number;
  superuserReserved: number;
  reserved: number;
  margin: number;
  /** max_connections − superuser_reserved_connections − reserved_connections − margin. */
  budget: number;
}

export function connectionBudget(
  maxConnections: number,
  superuserReserved: number,
  reserved: number,
  margin: number,
): ConnectionBudget {
  return {
    maxConnections,
    superuserReserved,
    reserved,
    margin,
    budget: Math.max(0, maxConnections - superuserReserved - reserved - margin),
  };
}

/** Pool per replica from load, cut so maxReplicas × pool ≤ the connection budget. */
export function boundedPool(load: number, maxReplicas: number, budget: ConnectionBudget) {
  const wanted = poolForLoad(load);
  const cap = Math.floor(budget.budget / maxReplicas);
  const size = Math.max(0, Math.min(wanted.size, cap));
  return { ...wanted, wanted: wanted.size, cap, size, bounded: cap < wanted.size };
}

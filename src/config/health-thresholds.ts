import { ConfigError } from '../errors.js';

/**
 * Default thresholds, from the established tools (PgHero, check_postgres) and the reference.
 * Fractions are 0..1; times in seconds unless the name says ms.
 */
export const DEFAULT_THRESHOLDS = {
  latency_ms: { warn: 100, crit: 1000 },
  connections: { warn: 0.8, crit: 0.95 },
  idle_in_transaction_seconds: { warn: 60, crit: 600 },
  long_query_seconds: { warn: 300, crit: 1800 },
  blocked_seconds: { warn: 60, crit: 120 },
  /** Lower is worse; only judged once `min_blocks` blocks were read or hit (a warmed database). */
  cache_hit: { warn: 0.95, crit: 0.8, min_blocks: 10_000 },
  /** warn as a fraction of autovacuum_freeze_max_age, crit in transactions. */
  wraparound: { warn: 0.5, crit: 1_500_000_000 },
  invalid_indexes: { warn: 1 },
  duplicate_indexes: { warn: 1 },
  unused_indexes: { warn: 1, min_bytes: 10 * 1024 * 1024 },
  sequences: { warn: 0.75, crit: 0.9 },
  dead_tuples: { warn: 0.2, crit: 0.5, min_dead: 1000 },
  replication_lag_seconds: { warn: 5, crit: 60 },
  inactive_slots: { warn: 1 },
  slow_statement_ms: { warn: 1000 },
  embeddings_missing: { warn: 0.01, crit: 0.5 },
  load_per_cpu: { warn: 0.85, crit: 1.5 },
  memory: { warn: 0.85, crit: 0.95 },
  disk: { warn: 0.9, crit: 0.95 },
  http_latency_ms: { warn: 2000 },
} satisfies Record<string, Record<string, number>>;

export type Thresholds = {
  [K in keyof typeof DEFAULT_THRESHOLDS]: Record<string, number> & (typeof DEFAULT_THRESHOLDS)[K];
};

/** Defaults overlaid with the `healthThresholds` setting (JSON text or object); unknown names are errors. */
export function resolveThresholds(setting: string | Record<string, unknown> | undefined): Thresholds {
  const merged = structuredClone(DEFAULT_THRESHOLDS) as Thresholds;
  if (setting === undefined) return merged;
  let overrides: unknown = setting;
  if (typeof setting === 'string') {
    try {
      overrides = JSON.parse(setting);
    } catch {
      throw invalid('healthThresholds is not valid JSON');
    }
  }
  if (!overrides || typeof overrides !== 'object' || Array.isArray(overrides))
    throw invalid('healthThresholds must be a JSON object');
  for (const [name, values] of Object.entries(overrides as Record<string, unknown>)) {
    const target = (merged as Record<string, Record<string, number>>)[name];
    if (!target) throw invalid(`healthThresholds has an unknown check "${name}"`);
    if (!values || typeof values !== 'object') throw invalid(`healthThresholds.${name} must be an object`);
    for (const [key, value] of Object.entries(values as Record<string, unknown>)) {
      if (!(key in target)) throw invalid(`healthThresholds.${name} has an unknown key "${key}"`);
      if (typeof value !== 'number' || !Number.isFinite(value))
        throw invalid(`healthThresholds.${name}.${key} must be a number`);
      target[key] = value;
    }
  }
  return merged;
}

function invalid(message: string): ConfigError {
  return new ConfigError(message, {
    code: 'health_thresholds_invalid',
    suggestion: `Use e.g. {"connections":{"warn":0.7,"crit":0.9}}; names: ${Object.keys(DEFAULT_THRESHOLDS).join(', ')}.`,
  });
}

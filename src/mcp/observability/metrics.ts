import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The server's Prometheus metrics, in a registry of its own (no global state). */
export interface ServerMetrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'path' | 'status'>;
  toolCalls: Counter<'tool' | 'outcome'>;
  toolDuration: Histogram<'tool'>;
  dbQueries: Counter<'outcome'>;
  dbDuration: Histogram;
  cacheHits: Counter<'result'>;
  rateLimited: Counter<'kind'>;
  authFailures: Counter<'reason'>;
  breakerState: Gauge;
  poolConnections: Gauge<'state'>;
  rowsReturned: Counter;
  /** Store sessions by database (primary or replica) and reads sent to the primary instead of the replica. */
  readTargets: Counter<'target'>;
  readFallbacks: Counter<'reason'>;
}

export interface PoolLike {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

const BREAKER_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;

export function createServerMetrics(
  options: { pool?: PoolLike; breakerState?: () => keyof typeof BREAKER_VALUE } = {},
): ServerMetrics {
  const registry = new Registry();
  const durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
  return {
    registry,
    httpRequests: new Counter({
      name: 'mcpops_http_requests_total',
      help: 'HTTP requests',
      labelNames: ['method', 'path', 'status'],
      registers: [registry],
    }),
    toolCalls: new Counter({
      name: 'mcpops_tool_calls_total',
      help: 'MCP tool calls by outcome',
      labelNames: ['tool', 'outcome'],
      registers: [registry],
    }),
    toolDuration: new Histogram({
      name: 'mcpops_tool_duration_seconds',
      help: 'tool call duration',
      labelNames: ['tool'],
      buckets: durationBuckets,
      registers: [registry],
    }),
    dbQueries: new Counter({
      name: 'mcpops_db_queries_total',
      help: 'database queries by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    dbDuration: new Histogram({
      name: 'mcpops_db_query_duration_seconds',
      help: 'database query duration',
      buckets: durationBuckets,
      registers: [registry],
    }),
    cacheHits: new Counter({
      name: 'mcpops_cache_lookups_total',
      help: 'result cache lookups',
      labelNames: ['result'],
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'mcpops_rate_limited_total',
      help: 'requests refused by a rate limit',
      labelNames: ['kind'],
      registers: [registry],
    }),
    authFailures: new Counter({
      name: 'mcpops_auth_failures_total',
      help: 'refused authentications',
      labelNames: ['reason'],
      registers: [registry],
    }),
    rowsReturned: new Counter({
      name: 'mcpops_rows_returned_total',
      help: 'rows returned by tools',
      registers: [registry],
    }),
    readTargets: new Counter({
      name: 'mcpops_db_read_target_total',
      help: 'store sessions by the database they ran on (primary or replica)',
      labelNames: ['target'],
      registers: [registry],
    }),
    readFallbacks: new Counter({
      name: 'mcpops_db_read_fallbacks_total',
      help: 'reads sent to the primary although a replica is configured, by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    breakerState: new Gauge({
      name: 'mcpops_db_breaker_state',
      help: 'database circuit breaker: 0 closed, 1 half-open, 2 open',
      registers: [registry],
      collect() {
        if (options.breakerState) this.set(BREAKER_VALUE[options.breakerState()]);
      },
    }),
    poolConnections: new Gauge({
      name: 'mcpops_db_pool_connections',
      help: 'database pool connections by state',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        if (!options.pool) return;
        this.set({ state: 'total' }, options.pool.totalCount);
        this.set({ state: 'idle' }, options.pool.idleCount);
        this.set({ state: 'waiting' }, options.pool.waitingCount);
      },
    }),
  };
}

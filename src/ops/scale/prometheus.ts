import { UnavailableError } from '../../errors.js';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses the Prometheus text format (comments skipped, NaN and ±Inf kept as numbers). */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split('\n')) {
    const lineText = raw.trim();
    if (!lineText || lineText.startsWith('#')) continue;
    const match = SAMPLE.exec(lineText);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL))
      labels[key] = value.replace(/\\(.)/g, '$1');
    const value = match[3] === '+Inf' ? Infinity : match[3] === '-Inf' ? -Infinity : Number(match[3]);
    samples.push({ name: match[1], labels, value });
  }
  return samples;
}

/** Sum of every series of a metric, or undefined when the server does not export it. */
export function sumMetric(
  samples: Sample[],
  name: string,
  filter: Record<string, string> = {},
): number | undefined {
  const matching = samples.filter(
    (s) => s.name === name && Object.entries(filter).every(([k, v]) => s.labels[k] === v),
  );
  if (matching.length === 0) return undefined;
  return matching.reduce((sum, s) => sum + s.value, 0);
}

/** First metric of a list that the server exports (names changed across versions). */
export function firstMetric(samples: Sample[], names: string[]): { name: string; value: number } | undefined {
  for (const name of names) {
    const value = sumMetric(samples, name);
    if (value !== undefined) return { name, value };
  }
  return undefined;
}

/** GETs <serverUrl>/metrics; unreachable or non-2xx is UnavailableError (69) naming the host only. */
export async function scrapeMetrics(
  serverUrl: string,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<{ samples: Sample[]; scrapedAt: number }> {
  const url = new URL('/metrics', serverUrl);
  const where = `${url.protocol}//${url.host}/metrics`;
  const signals = [
    AbortSignal.timeout(options.timeoutMs ?? 5000),
    ...(options.signal ? [options.signal] : []),
  ];
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.any(signals), headers: { accept: 'text/plain' } });
  } catch (error) {
    throw new UnavailableError(`cannot read metrics from ${where} (${(error as Error).name})`, {
      code: 'metrics_unreachable',
      suggestion: 'Start mcpops serve --http, or point --server-url / MCPOPS_SERVER_URL at a running one.',
      cause: error,
    });
  }
  if (!response.ok) {
    throw new UnavailableError(`metrics at ${where} answered HTTP ${response.status}`, {
      code: 'metrics_unavailable',
      suggestion: 'Check that the server exposes /metrics (mcpops serve --http does).',
    });
  }
  return { samples: parsePrometheusText(await response.text()), scrapedAt: Date.now() };
}

/**
 * The metric names mcpops reads from a server's /metrics (listed in docs/cost-estimate.md and
 * docs/scale-advise.md): what `mcpops serve` exports first, then other spellings. A missing
 * metric is never an error. Series labelled path="/metrics" (our own scrapes) are not requests.
 */
export const METRIC_NAMES = {
  requests: ['mcpops_http_requests_total', 'mcpops_requests_total', 'mcpops_tool_calls_total'],
  requestDurationSum: ['mcpops_tool_duration_seconds_sum', 'mcpops_request_duration_seconds_sum'],
  requestDurationCount: ['mcpops_tool_duration_seconds_count', 'mcpops_request_duration_seconds_count'],
  inFlight: ['mcpops_requests_in_flight', 'mcpops_inflight_calls'],
  embeddingTokens: ['mcpops_embedding_tokens_total'],
  embeddingRequests: ['mcpops_embedding_requests_total'],
  /** A gauge with state="total" | "idle" | "waiting" (what serve exports), or one gauge per state. */
  poolByState: ['mcpops_db_pool_connections'],
  poolTotal: ['mcpops_db_pool_total'],
  poolIdle: ['mcpops_db_pool_idle'],
  poolWaiting: ['mcpops_db_pool_waiting'],
  poolMax: ['mcpops_db_pool_max'],
  processStart: ['process_start_time_seconds'],
} as const;

export type MetricKey = keyof typeof METRIC_NAMES;

/** A metric by key: the first exported name, our own /metrics scrapes left out. */
export function readMetric(samples: Sample[], key: MetricKey): { name: string; value: number } | undefined {
  const own = samples.filter((s) => s.labels.path !== '/metrics');
  return firstMetric(own, [...METRIC_NAMES[key]]);
}

/** Pool gauges per state, from the labelled gauge or the per-state ones. */
export function readPool(samples: Sample[]): {
  total?: number;
  idle?: number;
  waiting?: number;
  max?: number;
} {
  const byState = (state: string) =>
    METRIC_NAMES.poolByState.map((n) => sumMetric(samples, n, { state })).find((v) => v !== undefined);
  return {
    total: byState('total') ?? readMetric(samples, 'poolTotal')?.value,
    idle: byState('idle') ?? readMetric(samples, 'poolIdle')?.value,
    waiting: byState('waiting') ?? readMetric(samples, 'poolWaiting')?.value,
    max: byState('max') ?? readMetric(samples, 'poolMax')?.value,
  };
}

/** Per-second rate of a counter between two scrapes (undefined when absent or reset). */
export function counterRate(
  before: { samples: Sample[]; scrapedAt: number },
  after: { samples: Sample[]; scrapedAt: number },
  key: MetricKey,
): { name: string; perSecond: number; seconds: number } | undefined {
  const a = readMetric(before.samples, key);
  const b = readMetric(after.samples, key);
  const seconds = (after.scrapedAt - before.scrapedAt) / 1000;
  if (!a || !b || b.name !== a.name || seconds <= 0 || b.value < a.value) return undefined;
  return { name: a.name, perSecond: (b.value - a.value) / seconds, seconds };
}

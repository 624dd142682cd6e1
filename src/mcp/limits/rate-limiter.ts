import type { Redis } from 'ioredis';

export interface RateDecision {
  allowed: boolean;
  /** Seconds until one token is available again (for Retry-After). */
  retryAfterSeconds: number;
  remaining: number;
}

export interface RateLimiter {
  take(key: string): Promise<RateDecision>;
  close?(): Promise<void>;
}

export interface BucketOptions {
  /** Tokens added per minute. */
  ratePerMinute: number;
  /** Bucket size: how many calls may come at once. */
  burst: number;
}

function decide(tokens: number, perMs: number): RateDecision {
  if (tokens >= 1) return { allowed: true, retryAfterSeconds: 0, remaining: Math.floor(tokens - 1) };
  return {
    allowed: false,
    retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)),
    remaining: 0,
  };
}

/** Token buckets in this process's memory; fine for one replica. Idle buckets are dropped. */
export function memoryRateLimiter(options: BucketOptions, now: () => number = Date.now): RateLimiter {
  const perMs = options.ratePerMinute / 60_000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  const fullAfterMs = options.burst / perMs;
  return {
    async take(key) {
      const t = now();
      const bucket = buckets.get(key) ?? { tokens: options.burst, at: t };
      bucket.tokens = Math.min(options.burst, bucket.tokens + (t - bucket.at) * perMs);
      bucket.at = t;
      const decision = decide(bucket.tokens, perMs);
      if (decision.allowed) bucket.tokens -= 1;
      buckets.set(key, bucket);
      if (buckets.size > 10_000) {
        for (const [k, b] of buckets) if (t - b.at > fullAfterMs) buckets.delete(k);
      }
      return decision;
    },
  };
}

// Refill and take in one atomic step on the Redis server, so replicas share one bucket per key.
// Time comes from Redis (TIME) so replicas with skewed clocks agree.
const TAKE_SCRIPT = `
local key = KEYS[1]
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', key, 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + (now - at) * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', key, 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', key, math.ceil(burst / rate) + 1000)
return {allowed, tostring(tokens)}
`;

/** Token buckets in Redis: every replica takes from the same bucket for a key. */
export function redisRateLimiter(redis: Redis, options: BucketOptions, prefix = 'mcpops:rate:'): RateLimiter {
  const perMs = options.ratePerMinute / 60_000;
  return {
    async take(key) {
      const [allowed, tokensText] = (await redis.eval(
        TAKE_SCRIPT,
        1,
        `${prefix}${key}`,
        String(perMs),
        String(options.burst),
      )) as [number, string];
      // The script answers with the tokens left after its take; decide() reasons from before it.
      const tokens = Number(tokensText);
      return decide(allowed === 1 ? tokens + 1 : tokens, perMs);
    },
  };
}

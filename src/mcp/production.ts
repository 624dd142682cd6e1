import type { Redis } from 'ioredis';
import type { Config } from '../config/schema.js';
import { classifyDbError } from '../db/errors.js';
import { ConfigError, UnavailableError } from '../errors.js';
import { parseRegionMap, type RegionMap } from './auth/authorize.js';
import type { Principal } from './auth/jwt.js';
import {
  combineRevocationLists,
  fileRevocationList,
  type RevocationList,
  redisRevocationList,
} from './auth/revocation.js';
import { createResultCache, type ResultCache } from './cache/result-cache.js';
import { memoryRateLimiter, type RateLimiter, redisRateLimiter } from './limits/rate-limiter.js';
import type { Logger } from './log.js';
import { createServerMetrics, type PoolLike, type ServerMetrics } from './observability/metrics.js';
import { type CircuitBreaker, createCircuitBreaker } from './resilience/breaker.js';
import { createPostureGate, type PostureGate, type PostureGateOptions } from './resilience/posture-gate.js';

/** What a serving process adds around the tools: auth, limits, cache, breaker, metrics. */
export interface ProductionParts {
  metrics: ServerMetrics;
  cache: ResultCache;
  breaker: CircuitBreaker;
  /** Calls per identity. */
  limiter: RateLimiter;
  /** Failed authentications per client address (stricter). */
  authFailures: RateLimiter;
  authenticate?: (token: string) => Promise<Principal>;
  regions: RegionMap;
  /** Row security of the retail tables, re-checked; data calls are refused while it is open. */
  posture: PostureGate;
  close(): Promise<void>;
}

// JWT support (jose) is loaded only when tokens are checked: stdio and auth=none start without it.
const createJwtVerifier: typeof import('./auth/jwt.js').createJwtVerifier = async (options) =>
  (await import('./auth/jwt.js')).createJwtVerifier(options);

/** A breaker on one database's reachability (exit code 69 failures), from the breaker settings. */
export function databaseBreaker(
  config: Pick<Config, 'breakerFailures' | 'breakerResetSeconds'>,
  log: Logger,
  name: string,
): CircuitBreaker {
  return createCircuitBreaker({
    failureThreshold: config.breakerFailures,
    resetSeconds: config.breakerResetSeconds,
    isFailure: (error) => classifyDbError(error).exitCode === 69,
    onStateChange: (state) => log.warn(name, { state }),
  });
}

async function connectRedis(url: string, log: Logger): Promise<Redis> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5000 });
  redis.on('error', (error: Error) => log.warn('redis error', { error: error.message }));
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new UnavailableError(`Redis at REDIS_URL is not reachable (${(error as Error).message})`, {
      code: 'redis_unreachable',
      suggestion: 'Start Redis or fix REDIS_URL; unset it to keep rate limits and the cache in memory.',
    });
  }
  return redis;
}

export async function createProductionParts(
  config: Config,
  pool: PoolLike & PostureGateOptions['pool'],
  log: Logger,
): Promise<ProductionParts> {
  const redis = config.redisUrl ? await connectRedis(config.redisUrl.reveal(), log) : undefined;
  const breaker = databaseBreaker(config, log, 'database circuit breaker');
  const bucket = { ratePerMinute: config.rateLimitPerMinute, burst: config.rateLimitBurst };
  const failures = { ratePerMinute: config.authFailuresPerMinute, burst: config.authFailuresPerMinute };
  const revocations: RevocationList[] = [];
  if (config.revocationFile) revocations.push(fileRevocationList(config.revocationFile));
  if (config.revocationRedisKey && redis)
    revocations.push(redisRevocationList(redis, config.revocationRedisKey));
  const authenticate =
    config.authMode === 'jwt'
      ? await createJwtVerifier({
          jwksUrl: config.jwksUrl,
          publicKeyPem: config.jwtPublicKey,
          audience: config.jwtAudience,
          issuer: config.jwtIssuer,
          clockToleranceSeconds: config.jwtClockToleranceSeconds,
          revocation: combineRevocationLists(revocations),
        }).catch((error: Error) => {
          throw new ConfigError(`JWT authentication cannot start: ${error.message}`, {
            code: 'auth_key_invalid',
            suggestion:
              'Set MCPOPS_JWKS_URL, or MCPOPS_JWT_PUBLIC_KEY to an RS256/ES256 public key in PEM (SPKI).',
          });
        })
      : undefined;
  const posture = createPostureGate({
    pool,
    readerRole: config.serveRole,
    recheckMs: config.postureRecheckSeconds * 1000,
    log,
  });
  await posture.check();
  return {
    metrics: createServerMetrics({ pool, breakerState: () => breaker.state() }),
    cache: createResultCache({
      ttlSeconds: config.cacheTtlSeconds,
      maxEntries: config.cacheMaxEntries,
      redis,
      prefix: `${config.redisKeyPrefix}cache:`,
    }),
    breaker,
    limiter: redis
      ? redisRateLimiter(redis, bucket, `${config.redisKeyPrefix}rate:`)
      : memoryRateLimiter(bucket),
    // Failed logins are counted per process: a shared bucket would let one replica's attacker lock out others.
    authFailures: memoryRateLimiter(failures),
    authenticate,
    regions: parseRegionMap(config.authRegions),
    posture,
    async close() {
      posture.stop();
      redis?.disconnect();
    },
  };
}

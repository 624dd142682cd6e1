import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface CacheStats {
  hits: number;
  misses: number;
  entries: number;
}

export interface ResultCache {
  get<T>(identity: string, key: string): Promise<T | undefined>;
  set(identity: string, key: string, value: unknown): Promise<void>;
  /** Drops one identity's entries (or all with no identity). */
  invalidate(identity?: string): Promise<void>;
  stats(): CacheStats;
}

export interface ResultCacheOptions {
  ttlSeconds: number;
  maxEntries: number;
  redis?: Redis;
  prefix?: string;
  now?: () => number;
}

/**
 * The identity is part of every key and of the Redis key prefix, so one store's cached
 * answer can never be served to another.
 */
export function cacheKey(identity: string, key: string): string {
  return `${identity}:${createHash('sha256').update(key).digest('hex')}`;
}

/** Memory LRU with TTL, and Redis as a second level shared by replicas when given. */
export function createResultCache(options: ResultCacheOptions): ResultCache {
  const now = options.now ?? Date.now;
  const prefix = options.prefix ?? 'mcpops:cache:';
  const memory = new Map<string, { value: unknown; expires: number }>();
  let hits = 0;
  let misses = 0;
  const enabled = options.ttlSeconds > 0;

  const remember = (k: string, value: unknown, expires: number): void => {
    if (options.maxEntries <= 0) return;
    memory.delete(k);
    memory.set(k, { value, expires });
    while (memory.size > options.maxEntries) memory.delete(memory.keys().next().value as string);
  };

  return {
    async get<T>(identity: string, key: string) {
      if (!enabled) return undefined;
      const k = cacheKey(identity, key);
      const entry = memory.get(k);
      if (entry && entry.expires > now()) {
        memory.delete(k);
        memory.set(k, entry); // most recently used goes last
        hits += 1;
        return entry.value as T;
      }
      if (entry) memory.delete(k);
      if (options.redis) {
        const text = await options.redis.get(`${prefix}${k}`).catch(() => null);
        if (text !== null) {
          const value = JSON.parse(text) as T;
          remember(k, value, now() + options.ttlSeconds * 1000);
          hits += 1;
          return value;
        }
      }
      misses += 1;
      return undefined;
    },
    async set(identity, key, value) {
      if (!enabled) return;
      const k = cacheKey(identity, key);
      remember(k, value, now() + options.ttlSeconds * 1000);
      if (options.redis)
        await options.redis
          .set(`${prefix}${k}`, JSON.stringify(value), 'EX', options.ttlSeconds)
          .catch(() => {});
    },
    async invalidate(identity) {
      for (const k of [...memory.keys()]) if (!identity || k.startsWith(`${identity}:`)) memory.delete(k);
      if (options.redis) {
        const pattern = `${prefix}${identity ? `${identity}:` : ''}*`;
        let cursor = '0';
        do {
          const [next, keys] = await options.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
          if (keys.length > 0) await options.redis.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      }
    },
    stats: () => ({ hits, misses, entries: memory.size }),
  };
}

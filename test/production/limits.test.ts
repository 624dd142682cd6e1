import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResultCache } from '../../src/mcp/cache/result-cache.js';
import { memoryRateLimiter, redisRateLimiter } from '../../src/mcp/limits/rate-limiter.js';
import { createCircuitBreaker } from '../../src/mcp/resilience/breaker.js';

let redisA: Redis;
let redisB: Redis;
beforeAll(async () => {
  redisA = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  redisB = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  await Promise.all([redisA.ping(), redisB.ping()]);
});
afterAll(() => {
  redisA.disconnect();
  redisB.disconnect();
});

describe('rate limits', () => {
  it('a memory bucket allows the burst, refuses with Retry-After, then refills', async () => {
    let t = 0;
    const limiter = memoryRateLimiter({ ratePerMinute: 60, burst: 3 }, () => t);
    const first = await Promise.all([1, 2, 3].map(() => limiter.take('store-a')));
    expect(first.every((d) => d.allowed)).toBe(true);
    const refused = await limiter.take('store-a');
    expect(refused).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
    expect((await limiter.take('store-b')).allowed).toBe(true);
    t += 1000;
    expect((await limiter.take('store-a')).allowed).toBe(true);
  });

  it('two replicas sharing Redis hold the combined rate', async () => {
    const prefix = `mcpops:test:rate:${randomUUID()}:`;
    const options = { ratePerMinute: 1, burst: 10 };
    const replicaA = redisRateLimiter(redisA, options, prefix);
    const replicaB = redisRateLimiter(redisB, options, prefix);
    const decisions = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 ? replicaA : replicaB).take('identity-1')),
    );
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
    const refused = decisions.find((d) => !d.allowed);
    expect(refused?.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    // Another identity has its own bucket.
    expect((await replicaA.take('identity-2')).allowed).toBe(true);
  });
});

describe('result cache', () => {
  it('never serves one identity the answer cached for another', async () => {
    const cache = createResultCache({ ttlSeconds: 60, maxEntries: 10 });
    await cache.set('seattle', 'SELECT count(*) FROM retail.orders', { n: 1 });
    expect(await cache.get('seattle', 'SELECT count(*) FROM retail.orders')).toEqual({ n: 1 });
    expect(await cache.get('redmond', 'SELECT count(*) FROM retail.orders')).toBeUndefined();
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1 });
  });

  it('expires entries after the TTL and evicts the least recently used', async () => {
    let t = 0;
    const cache = createResultCache({ ttlSeconds: 1, maxEntries: 2, now: () => t });
    await cache.set('a', 'q1', 1);
    await cache.set('a', 'q2', 2);
    await cache.get('a', 'q1');
    await cache.set('a', 'q3', 3);
    expect(await cache.get('a', 'q2')).toBeUndefined();
    expect(await cache.get('a', 'q1')).toBe(1);
    t += 1500;
    expect(await cache.get('a', 'q1')).toBeUndefined();
  });

  it('shares entries between replicas through Redis, per identity, and invalidates', async () => {
    const prefix = `mcpops:test:cache:${randomUUID()}:`;
    const a = createResultCache({ ttlSeconds: 30, maxEntries: 10, redis: redisA, prefix });
    const b = createResultCache({ ttlSeconds: 30, maxEntries: 10, redis: redisB, prefix });
    await a.set('seattle', 'q', { r: [[1]] });
    expect(await b.get('seattle', 'q')).toEqual({ r: [[1]] });
    expect(await b.get('tacoma', 'q')).toBeUndefined();
    await a.invalidate('seattle');
    const c = createResultCache({ ttlSeconds: 30, maxEntries: 10, redis: redisB, prefix });
    expect(await c.get('seattle', 'q')).toBeUndefined();
  });

  it('a TTL of 0 turns the cache off', async () => {
    const cache = createResultCache({ ttlSeconds: 0, maxEntries: 10 });
    await cache.set('a', 'q', 1);
    expect(await cache.get('a', 'q')).toBeUndefined();
  });
});

describe('circuit breaker', () => {
  const down = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  const isFailure = (e: unknown) => (e as { code?: string }).code === 'ECONNREFUSED';

  it('opens after N consecutive failures, fails fast, half-opens and recovers by itself', async () => {
    let t = 0;
    const states: string[] = [];
    const breaker = createCircuitBreaker({
      failureThreshold: 5,
      resetSeconds: 60,
      isFailure,
      now: () => t,
      onStateChange: (s) => states.push(s),
    });
    let calls = 0;
    const failing = async () => {
      calls += 1;
      throw down;
    };
    for (let i = 0; i < 5; i++) await expect(breaker.run(failing)).rejects.toBe(down);
    expect(breaker.state()).toBe('open');
    await expect(breaker.run(failing)).rejects.toThrow(/circuit open after 5 failures/);
    expect(calls).toBe(5);
    t += 61_000;
    expect(breaker.state()).toBe('half-open');
    await expect(breaker.run(failing)).rejects.toBe(down);
    expect(breaker.state()).toBe('open');
    t += 61_000;
    expect(await breaker.run(async () => 'ok')).toBe('ok');
    expect(breaker.state()).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
  });

  it('does not count the caller’s own errors (bad SQL) as database failures', async () => {
    const breaker = createCircuitBreaker({ failureThreshold: 2, resetSeconds: 60, isFailure });
    const syntax = Object.assign(new Error('syntax error'), { code: '42601' });
    for (let i = 0; i < 5; i++)
      await expect(breaker.run(async () => Promise.reject(syntax))).rejects.toBe(syntax);
    expect(breaker.state()).toBe('closed');
  });
});

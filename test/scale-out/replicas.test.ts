import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { STORES } from '../../src/db/stores.js';
import { callTool } from '../serve/support.js';
import { createZavaTestDatabase, type ZavaTestDatabase } from '../support/zava.js';
import {
  counter,
  httpClient,
  type RoundRobin,
  roundRobin,
  type ServeProcess,
  spawnServe,
} from './support.js';

const BURST = 9;
const [seattle, bellevue] = STORES;
const redmond = STORES.find((s) => s.name.endsWith('Redmond'))!;
/** Keys of this file only: Redis is shared, and never flushed. */
const PREFIX = `mcpops:test:${randomBytes(4).toString('hex')}:`;
const REVOKED = `${PREFIX}revoked`;

let db: ZavaTestDatabase;
let redis: Redis;
let keys: Awaited<ReturnType<typeof generateKeyPair>>;
let replicas: ServeProcess[] = [];
let entry: RoundRobin;

const token = (jti = randomUUID()) =>
  new SignJWT({ role: 'super_admin' })
    .setProtectedHeader({ alg: 'RS256' })
    .setAudience('mcp-server')
    .setIssuer('zava-auth')
    .setSubject('tester')
    .setJti(jti)
    .setExpirationTime('10m')
    .sign(keys.privateKey);

const post = (url: string, headers: Record<string, string>) =>
  fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });

beforeAll(async () => {
  db = await createZavaTestDatabase({ scale: 'tiny' });
  redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true });
  await redis.connect();
  keys = await generateKeyPair('RS256');
  const env = {
    DATABASE_URL: db.loginUrl,
    REDIS_URL: 'redis://127.0.0.1:6379',
    MCPOPS_REDIS_KEY_PREFIX: PREFIX,
    MCPOPS_AUTH: 'jwt',
    MCPOPS_JWT_PUBLIC_KEY: await exportSPKI(keys.publicKey),
    MCPOPS_REVOCATION_REDIS_KEY: REVOKED,
    MCPOPS_RATE_LIMIT_BURST: String(BURST),
    MCPOPS_RATE_LIMIT_PER_MINUTE: '1',
    MCPOPS_POOL_MIN: '0',
    MCPOPS_POOL_MAX: '2',
  };
  replicas = await Promise.all([spawnServe(env), spawnServe(env), spawnServe(env)]);
  entry = await roundRobin(replicas.map((r) => r.base));
}, 60_000);

afterAll(async () => {
  await entry?.close();
  await Promise.all(replicas.map((r) => r.stop()));
  if (redis) {
    const stale = await redis.keys(`${PREFIX}*`);
    if (stale.length) await redis.del(...stale);
    redis.disconnect();
  }
  await db?.drop();
});

describe('three serve --http --stateless replicas behind one round-robin entry point, sharing Redis', () => {
  test('a burst spread over the three is limited as one identity', async () => {
    const auth = { authorization: `Bearer ${await token()}`, 'x-rls-user-id': seattle.rlsUserId };
    const before = [...entry.served];
    const statuses: number[] = [];
    for (let i = 0; i < BURST + 6; i++) statuses.push((await post(entry.url, auth)).status);
    // Every replica took a share of the burst (each alone would have allowed all of its 5).
    expect(entry.served.map((n, i) => n - before[i])).toEqual([5, 5, 5]);
    expect(statuses.filter((s) => s === 200)).toHaveLength(BURST);
    expect(statuses.filter((s) => s === 429)).toHaveLength(6);
    expect(statuses.slice(0, BURST).every((s) => s === 200)).toBe(true);
  });

  test('an answer cached by one replica is a hit on the others', async () => {
    const client = await httpClient(entry.url, {
      authorization: `Bearer ${await token()}`,
      'x-rls-user-id': bellevue.rlsUserId,
    });
    try {
      const sql = { postgresql_query: 'SELECT count(*) AS n FROM retail.orders' };
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push(await callTool(client, 'execute_sales_query', sql));
      expect(answers.every((a) => a.text === answers[0].text)).toBe(true);
      const lookups = await Promise.all(
        replicas.map(async (r) => {
          const text = await (await fetch(new URL('/metrics', r.base))).text();
          return {
            hit: counter(text, 'mcpops_cache_lookups_total', { result: 'hit' }),
            miss: counter(text, 'mcpops_cache_lookups_total', { result: 'miss' }),
          };
        }),
      );
      // Three calls, one on each replica: one miss (it ran the query) and two hits from Redis.
      expect(lookups.map((l) => l.hit + l.miss)).toEqual([1, 1, 1]);
      expect(lookups.reduce((sum, l) => sum + l.miss, 0)).toBe(1);
      expect(lookups.reduce((sum, l) => sum + l.hit, 0)).toBe(2);
      expect(await redis.keys(`${PREFIX}cache:*`)).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  test('a token revoked once is refused by every replica', async () => {
    const jti = randomUUID();
    const auth = { authorization: `Bearer ${await token(jti)}`, 'x-rls-user-id': redmond.rlsUserId };
    for (const r of replicas) expect((await post(r.url, auth)).status).toBe(200);
    await redis.sadd(REVOKED, jti);
    for (const r of replicas) {
      const refused = await post(r.url, auth);
      expect(refused.status).toBe(401);
      expect(JSON.stringify(await refused.json())).toMatch(/revoked/);
    }
    expect((await post(entry.url, auth)).status).toBe(401);
  });
});

import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { STORES } from '../../src/db/stores.js';
import type { RunningServe } from '../../src/mcp/serve.js';
import { callTool } from '../serve/support.js';
import { createZavaTestDatabase, type ZavaTestDatabase } from '../support/zava.js';
import { initialize, onSession, sdkClient, serveHttp } from './harness.js';

const seattle = { 'x-rls-user-id': STORES[0].rlsUserId };
const bellevue = { 'x-rls-user-id': STORES[1].rlsUserId };
const redmond = { 'x-rls-user-id': STORES[2].rlsUserId };

let db: ZavaTestDatabase;
beforeAll(async () => {
  db = await createZavaTestDatabase({ scale: 'tiny' });
});
afterAll(async () => {
  await db?.drop();
});

describe('a session belongs to the caller that created it', () => {
  let running: RunningServe;
  beforeAll(async () => {
    running = await serveHttp(db.loginUrl);
  });
  afterAll(() => running?.stop());

  test("another store gets 404 for Seattle's session on POST, GET and DELETE; Seattle keeps it", async () => {
    const url = running.url!;
    const own = await initialize(url, seattle);
    expect(own.status).toBe(200);
    const id = own.sessionId!;
    for (const method of ['POST', 'GET', 'DELETE'] as const) {
      expect(await onSession(url, method, id, bellevue), method).toBe(404);
      expect(await onSession(url, method, id, {}), `${method} without identity`).toBe(404);
    }
    // The session survived the foreign DELETE.
    expect(await onSession(url, 'POST', id, seattle)).toBe(200);
    expect(await onSession(url, 'DELETE', id, seattle)).toBe(200);
    expect(await onSession(url, 'POST', id, seattle)).toBe(404);
  });

  test('a session opened through the SDK client works only for its owner', async () => {
    const client = await sdkClient(running.url!, seattle);
    try {
      const answer = await callTool(client, 'execute_sales_query', { postgresql_query: 'SELECT 1 AS one' });
      expect(answer.json).toEqual({ c: ['one'], r: [[1]], n: 1 });
      const id = (client.transport as { sessionId?: string }).sessionId!;
      expect(await onSession(running.url!, 'DELETE', id, redmond)).toBe(404);
      expect(
        (await callTool(client, 'execute_sales_query', { postgresql_query: 'SELECT 2 AS two' })).json.r,
      ).toEqual([[2]]);
    } finally {
      await client.close();
    }
  });
});

describe('sessions are capped per caller and globally', () => {
  let running: RunningServe;
  beforeAll(async () => {
    running = await serveHttp(db.loginUrl, {
      MCPOPS_HTTP_SESSIONS_PER_IDENTITY: '3',
      MCPOPS_HTTP_MAX_SESSIONS: '5',
    });
  });
  afterAll(() => running?.stop());

  test('one identity cannot take every session; the global cap still holds', async () => {
    const url = running.url!;
    const opened = await Promise.all([1, 2, 3].map(() => initialize(url, seattle)));
    expect(opened.map((o) => o.status)).toEqual([200, 200, 200]);
    const fourth = await initialize(url, seattle);
    expect(fourth.status).toBe(429);
    expect(fourth.body).toContain('too many open sessions for this caller');
    // Everyone else is not locked out.
    const others = [await initialize(url, bellevue), await initialize(url, bellevue)];
    expect(others.map((o) => o.status)).toEqual([200, 200]);
    const full = await initialize(url, redmond);
    expect(full.status).toBe(503);
    // Ending one of Seattle's sessions makes room for exactly one more.
    expect(await onSession(url, 'DELETE', opened[0].sessionId!, seattle)).toBe(200);
    expect((await initialize(url, redmond)).status).toBe(200);
    expect((await initialize(url, redmond)).status).toBe(503);
  });
});

describe('the per-caller cap holds under a burst of parallel initializes', () => {
  let running: RunningServe;
  beforeAll(async () => {
    running = await serveHttp(db.loginUrl, { MCPOPS_HTTP_SESSIONS_PER_IDENTITY: '3' });
  });
  afterAll(() => running?.stop());

  test('ten at once: exactly three sessions open, seven refused with 429', async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, () => initialize(running.url!, seattle)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429, 429, 429, 429, 429]);
  });
});

describe('idle sessions are closed', () => {
  let running: RunningServe;
  beforeAll(async () => {
    running = await serveHttp(db.loginUrl, { MCPOPS_HTTP_SESSION_IDLE_SECONDS: '1' });
  });
  afterAll(() => running?.stop());

  test('a session unused for longer than the idle timeout is gone (404)', async () => {
    const url = running.url!;
    const kept = await initialize(url, seattle);
    const idle = await initialize(url, seattle);
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 500));
      expect(await onSession(url, 'POST', kept.sessionId!, seattle)).toBe(200);
    }
    expect(await onSession(url, 'POST', idle.sessionId!, seattle)).toBe(404);
  });
});

describe('with JWT authentication the token subject owns the session', () => {
  let running: RunningServe;
  let keys: Awaited<ReturnType<typeof generateKeyPair>>;
  const token = (subject: string) =>
    new SignJWT({ role: 'store_manager', allowed_stores: ['Zava Retail Seattle'] })
      .setProtectedHeader({ alg: 'RS256' })
      .setAudience('mcp-server')
      .setIssuer('zava-auth')
      .setSubject(subject)
      .setExpirationTime('5m')
      .sign(keys.privateKey);
  beforeAll(async () => {
    keys = await generateKeyPair('RS256');
    running = await serveHttp(db.loginUrl, {
      MCPOPS_AUTH: 'jwt',
      MCPOPS_JWT_PUBLIC_KEY: await exportSPKI(keys.publicKey),
      MCPOPS_HTTP_SESSIONS_PER_IDENTITY: '2',
    });
  });
  afterAll(() => running?.stop());

  test('the same store under another subject gets 404; the cap counts per subject', async () => {
    const alice = { authorization: `Bearer ${await token('alice')}` };
    const mallory = { authorization: `Bearer ${await token('mallory')}` };
    const session = await initialize(running.url!, alice);
    expect(session.status).toBe(200);
    expect(await onSession(running.url!, 'DELETE', session.sessionId!, mallory)).toBe(404);
    expect(await onSession(running.url!, 'POST', session.sessionId!, alice)).toBe(200);
    expect((await initialize(running.url!, alice)).status).toBe(200);
    expect((await initialize(running.url!, alice)).status).toBe(429);
    expect((await initialize(running.url!, mallory)).status).toBe(200);
  });
});

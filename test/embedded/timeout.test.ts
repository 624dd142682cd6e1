import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.js';
import { embeddedWorkerPort, openEmbeddedDatabase } from '../../src/db/embedded/index.js';
import { classifyDbError, DbError } from '../../src/db/errors.js';
import { withStoreSession } from '../../src/db/session.js';
import {
  type Database,
  embeddedConfig,
  pidAlive,
  STORE_A,
  tempDir,
  tinySchema,
  waitFor,
  workerPid,
} from './support.js';

const LIMIT_MS = 1500;
// Runs about a minute on PGlite: far past the limit.
const LONG_QUERY = 'SELECT count(*) FROM generate_series(1, 200000000)';

let dir: Awaited<ReturnType<typeof tempDir>>;
let config: Config;
let db: Database;

beforeAll(async () => {
  dir = await tempDir();
  config = await embeddedConfig(join(dir.path, 'db'), { MCPOPS_STATEMENT_TIMEOUT_MS: String(LIMIT_MS) });
  db = await openEmbeddedDatabase(
    config,
    { kind: 'embedded', dir: config.embeddedDir },
    { initialise: tinySchema(config) },
  );
  await db.pool.query('CREATE TABLE public.kept (id int PRIMARY KEY)');
  await db.pool.query('INSERT INTO public.kept SELECT generate_series(1, 1000)');
});
afterAll(async () => {
  await db?.close();
  await dir.remove();
});

const count = async () => Number((await db.pool.query('SELECT count(*) AS n FROM public.kept')).rows[0].n);

describe('time limits enforced from outside PGlite', () => {
  it('a query past the limit fails like statement_timeout, while the parent event loop keeps answering', async () => {
    const health: Server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => health.listen(0, '127.0.0.1', resolve));
    const { port } = health.address() as AddressInfo;
    const before = await workerPid(config.embeddedDir);
    const latencies: number[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const sent = Date.now();
        expect(await (await fetch(`http://127.0.0.1:${port}/health`)).text()).toBe('ok');
        latencies.push(Date.now() - sent);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    try {
      const started = Date.now();
      const error = await db.pool.query(LONG_QUERY).catch((e: unknown) => e);
      const elapsed = Date.now() - started;
      expect(error).toMatchObject({ code: '57014', message: 'canceling statement due to statement timeout' });
      const classified = classifyDbError(error);
      expect(classified).toBeInstanceOf(DbError);
      expect(classified.message).toMatch(/^query cancelled/);
      expect((classified as DbError).kind).toBe('timeout');
      expect(elapsed).toBeGreaterThanOrEqual(LIMIT_MS - 50);
      expect(elapsed).toBeLessThan(LIMIT_MS + 5000);
    } finally {
      polling = false;
      await poller;
      health.close();
    }
    // /health answered throughout: many polls, none stuck behind the query.
    expect(latencies.length).toBeGreaterThan(10);
    expect(Math.max(...latencies)).toBeLessThan(1000);
    // The worker was replaced, the old one is gone, and the next call works on intact data.
    expect(await waitFor(() => !pidAlive(before), 5000)).toBe(true);
    expect(await count()).toBe(1000);
    expect(await workerPid(config.embeddedDir)).not.toBe(before);
  });

  it('a store session past the limit fails with the timeout and the next session works', async () => {
    const session = (sql: string) =>
      withStoreSession(
        db.pool,
        { role: config.serveRole, rlsUserId: STORE_A, statementTimeoutMs: LIMIT_MS },
        (c) => c.query(sql),
      );
    const error = (await session(LONG_QUERY).catch((e: unknown) => e)) as DbError;
    expect(classifyDbError(error).message).toMatch(/^query cancelled/);
    expect((await session('SELECT count(*) AS n FROM retail.orders')).rows[0].n).toBe('3');
  });

  it('calls waiting behind a timed-out query proceed once the worker is back', async () => {
    const slow = db.pool.query(LONG_QUERY).catch((e: unknown) => e);
    const waiting = [db.pool.query('SELECT 1 AS one'), db.pool.query('SELECT $1::int AS two', [2])];
    expect(await slow).toMatchObject({ code: '57014' });
    const results = await Promise.all(waiting);
    expect(results.map((r) => Object.values(r.rows[0])[0])).toEqual([1, 2]);
  });

  it('kill -9 in the middle of a write keeps committed data and drops the uncommitted', async () => {
    const client = await db.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      await client.query('INSERT INTO public.kept SELECT generate_series(1001, 2000)');
      const error = await client
        .query('INSERT INTO public.kept SELECT generate_series(3000, 100000000)')
        .catch((e: Error) => e);
      expect(error).toMatchObject({ code: '57014' });
      broken = error as Error;
    } finally {
      client.release(broken);
    }
    expect(await count()).toBe(1000);
    // Writes after recovery commit normally.
    await db.pool.query('INSERT INTO public.kept VALUES (5000)');
    expect(await count()).toBe(1001);
  });

  it('an unexpected worker exit is followed by a restart on the same data', async () => {
    const before = await workerPid(config.embeddedDir);
    expect(pidAlive(before)).toBe(true);
    process.kill(before as number, 'SIGKILL');
    expect(await waitFor(() => !pidAlive(before), 5000)).toBe(true);
    // The restart is under way as soon as the exit is seen; calls wait for it.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await count()).toBe(1001);
    expect(await workerPid(config.embeddedDir)).not.toBe(before);
  });

  it('a worker restarted while someone else holds its port moves to a new port', async () => {
    const oldPort = embeddedWorkerPort(db) as number;
    const before = await workerPid(config.embeddedDir);
    process.kill(before as number, 'SIGKILL');
    expect(await waitFor(() => !pidAlive(before), 5000)).toBe(true);
    // Take the port before the new worker (which needs a moment to open PGlite) can.
    const squatter = createServer();
    await new Promise<void>((resolve, reject) => {
      squatter.once('error', reject);
      squatter.listen(oldPort, '127.0.0.1', resolve);
    });
    try {
      expect(await count()).toBe(1001);
      expect(embeddedWorkerPort(db)).not.toBe(oldPort);
    } finally {
      squatter.close();
    }
  });

  it('a call pg rejects before sending anything arms no time limit', async () => {
    const before = await workerPid(config.embeddedDir);
    await expect(db.pool.query(null as unknown as string)).rejects.toThrow(/null or undefined query/);
    await new Promise((resolve) => setTimeout(resolve, LIMIT_MS + 500));
    expect(await workerPid(config.embeddedDir)).toBe(before);
    expect(pidAlive(before)).toBe(true);
  });
});

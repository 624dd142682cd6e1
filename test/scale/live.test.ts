import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adviseScale } from '../../src/ops/scale/advise.js';
import { collectLiveSnapshot, hostUsage } from '../../src/ops/scale/collect.js';
import { runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let db: TestDatabase;
let pool: pg.Pool;
let metrics: { url: string; server: Server };
const clients: pg.Client[] = [];

beforeAll(async () => {
  db = await createTestDatabase('mcpops_scale');
  await db.admin.query('CREATE TABLE t (id int); INSERT INTO t VALUES (1)');
  pool = new pg.Pool({ connectionString: db.url, max: 1 });
  pool.on('error', () => {});
  // What `mcpops serve` exports (src/mcp/observability/metrics.ts); the counter grows 20/s.
  const t0 = Date.now();
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    const requests = ((Date.now() - t0) / 1000) * 20;
    res
      .writeHead(200, { 'content-type': 'text/plain' })
      .end(
        [
          `mcpops_http_requests_total{method="POST",path="/mcp",status="200"} ${requests}`,
          'mcpops_http_requests_total{method="GET",path="/metrics",status="200"} 12345',
          'mcpops_tool_duration_seconds_sum{tool="get_products"} 50',
          'mcpops_tool_duration_seconds_count{tool="get_products"} 200',
          'mcpops_db_pool_connections{state="total"} 6',
          'mcpops_db_pool_connections{state="idle"} 1',
          'mcpops_db_pool_connections{state="waiting"} 4',
        ].join('\n'),
      );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  metrics = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
});

afterAll(async () => {
  for (const c of clients) await c.end().catch(() => {});
  metrics?.server.close();
  await pool?.end();
  await db?.drop();
});

async function client(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: db.url });
  c.on('error', () => {});
  await c.connect();
  clients.push(c);
  return c;
}

describe('scale-advise on the live system', () => {
  it('reads connections by state, limits, lock waits, pool and request rate', async () => {
    const holder = await client();
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE t IN ACCESS EXCLUSIVE MODE'); // idle in transaction, holding a lock
    const waiter = await client();
    const blocked = waiter.query('SELECT * FROM t').catch(() => {}); // active, waiting on the lock
    await client(); // idle
    await new Promise((r) => setTimeout(r, 300));

    const snapshot = await collectLiveSnapshot({
      pool,
      serverUrl: metrics.url,
      replicas: 2,
      sampleMs: 500,
      host: { cpuPercent: 85, memoryPercent: 40 },
      databaseOnHost: true,
      tier: 'B1ms',
    });
    const settings = await db.admin.query(
      "SELECT current_setting('max_connections')::int AS max, current_setting('superuser_reserved_connections')::int AS su",
    );
    expect(snapshot.database.maxConnections).toBe(settings.rows[0].max);
    expect(snapshot.database.superuserReserved).toBe(settings.rows[0].su);
    // pg_stat_activity is server-wide and other tests run alongside: at least ours are there.
    expect(snapshot.database.connections.total).toBeGreaterThanOrEqual(4);
    expect(snapshot.database.connections.idleInTransaction).toBeGreaterThanOrEqual(1);
    expect(snapshot.database.connections.waiting).toBeGreaterThanOrEqual(1);
    expect(snapshot.database.cpuPercent).toBe(85);
    expect(snapshot.app.pool).toEqual({ total: 6, idle: 1, waiting: 4 });
    expect(snapshot.app.queueDepth).toBe(4);
    expect(snapshot.app.avgRequestSeconds).toBe(0.25);
    expect(snapshot.app.requestsPerSecond).toBeGreaterThan(10);
    expect(snapshot.app.requestsPerSecond).toBeLessThan(30);
    expect(snapshot.notes.join('\n')).toContain('queue = clients waiting for a pool connection');

    const advice = adviseScale(snapshot, 'live', {});
    expect(advice.autoscaler).toMatchObject({ action: 'up', ruleNumber: 1 });
    expect(advice.pool.load).toBe(0.85); // max(CPU 0.85, pool busy (6 − 1) / 6 = 0.833)
    await holder.query('ROLLBACK');
    await blocked;
  });

  it('host usage comes from the load average and free memory', () => {
    const host = hostUsage();
    expect(host.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(host.cpuPercent).toBeLessThanOrEqual(100);
    expect(host.memoryPercent).toBeGreaterThan(0);
    expect(host.memoryPercent).toBeLessThan(100);
  });

  it('without a server the queue is the lock waits, and that is said', async () => {
    const snapshot = await collectLiveSnapshot({ pool, host: { cpuPercent: 10, memoryPercent: 10 } });
    expect(snapshot.app.queueDepth).toBe(snapshot.database.connections.waiting);
    expect(snapshot.notes.join('\n')).toMatch(/no server URL[\s\S]*queue = active queries waiting on a lock/);
    expect(snapshot.notes.join('\n')).toContain('replicas not given (--replicas): 1 assumed');
  });

  it('the CLI runs live against the database and a server (--json)', async () => {
    const result = await runCli([
      'scale-advise',
      '--json',
      '--database-url',
      db.url,
      '--server-url',
      metrics.url,
      '--replicas',
      '2',
      '--sample-seconds',
      '0.3',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const doc = result.json();
    expect(doc).toMatchObject({ ok: true, source: 'live', replicas: { current: 2 } });
    // PgBouncer advice joins only when every replica's wanted pool would not fit the live budget.
    const needsBouncer = doc.pool.wanted * doc.replicas.max > doc.pool.budget;
    expect(doc.decisions.map((d: { id: string }) => d.id)).toEqual([
      'autoscaler',
      'replicas',
      'pool',
      'tier',
      ...(needsBouncer ? ['pgbouncer'] : []),
    ]);
    expect(doc.notes.join('\n')).toContain('mcpops_http_requests_total');
  });

  it('an unreachable database is exit 69', async () => {
    const result = await runCli(['scale-advise', '--database-url', 'postgres://postgres@127.0.0.1:1/x']);
    expect(result.code).toBe(69);
    expect(result.stderr).toContain('mcpops: cannot connect to');
  });
});

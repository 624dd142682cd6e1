import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureWorkload } from '../../src/ops/cost/measure.js';
import { measureBackupFolder } from '../../src/ops/cost/measure-backups.js';
import { runCostEstimate } from '../../src/ops/cost/run.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const GIB = 1024 ** 3;
let db: TestDatabase;
let pool: pg.Pool;
let dir: string;
let metrics: { url: string; server: Server };
let counterOnly: { url: string; server: Server };

async function serve(body: () => string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function manifest(id: string, type: string, at: string, uploadedBytes: number) {
  // The shape src/ops/backup/manifest.ts writes (mcpops-backup/1), trimmed to what is measured.
  return {
    format: 'mcpops-backup/1',
    id,
    type,
    engine: 'server',
    database: 'zava',
    startedAt: at,
    finishedAt: at,
    objects: [],
    tables: [],
    totals: {
      plainBytes: uploadedBytes * 4,
      storedBytes: uploadedBytes * 2,
      uploadedBytes,
      uploadedObjects: 3,
    },
  };
}

beforeAll(async () => {
  db = await createTestDatabase('mcpops_cost');
  await db.admin.query(`
    CREATE SCHEMA retail;
    CREATE TABLE retail.products (product_id serial PRIMARY KEY, product_description text);
    INSERT INTO retail.products (product_description)
      VALUES (repeat('a', 40)), (repeat('b', 80)), (repeat('c', 120)), (repeat('d', 160));
    CREATE TABLE retail.orders (order_id serial PRIMARY KEY, note text);
    INSERT INTO retail.orders (note) SELECT md5(g::text) FROM generate_series(1, 2000) g;
    ANALYZE;`);
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  pool.on('error', () => {});
  dir = await mkdtemp(join(tmpdir(), 'mcpops-cost-backups-'));
  await mkdir(join(dir, 'manifests'));
  await mkdir(join(dir, 'objects'));
  await writeFile(join(dir, 'objects', 'blob.bin'), Buffer.alloc(4096));
  const backups = [
    ['zava_backup_full_20261101_020000', 'full', '2026-11-01T02:00:00Z', 2 * GIB],
    ['zava_backup_incremental_20261101_030000', 'incremental', '2026-11-01T03:00:00Z', 10 * 1024 ** 2],
    ['zava_backup_incremental_20261101_040000', 'incremental', '2026-11-01T04:00:00Z', 10 * 1024 ** 2],
    ['zava_backup_incremental_20261102_030000', 'incremental', '2026-11-02T03:00:00Z', 10 * 1024 ** 2],
    ['zava_backup_full_20261103_020000', 'full', '2026-11-03T02:00:00Z', 1 * GIB],
    ['zava_backup_incremental_20261103_030000', 'incremental', '2026-11-03T03:00:00Z', 10 * 1024 ** 2],
  ] as const;
  for (const [id, type, at, bytes] of backups)
    await writeFile(join(dir, 'manifests', `${id}.json`), JSON.stringify(manifest(id, type, at, bytes)));
  const started = Date.now() / 1000 - 3600;
  metrics = await serve(() =>
    [
      '# HELP mcpops_http_requests_total HTTP requests',
      '# TYPE mcpops_http_requests_total counter',
      'mcpops_http_requests_total{method="POST",path="/mcp",status="200"} 3000',
      'mcpops_http_requests_total{method="POST",path="/mcp",status="429"} 600',
      'mcpops_http_requests_total{method="GET",path="/metrics",status="200"} 999',
      'mcpops_tool_duration_seconds_sum{tool="semantic_search"} 90',
      'mcpops_tool_duration_seconds_count{tool="semantic_search"} 600',
      'mcpops_embedding_tokens_total 24000',
      'mcpops_embedding_requests_total 2000',
      `process_start_time_seconds ${started}`,
    ].join('\n'),
  );
  const t0 = Date.now();
  counterOnly = await serve(
    () => `mcpops_tool_calls_total{tool="x",outcome="ok"} ${((Date.now() - t0) / 1000) * 5}\n`,
  );
});

afterAll(async () => {
  metrics?.server.close();
  counterOnly?.server.close();
  await pool?.end();
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('measureWorkload against a real database, backup folder and /metrics', () => {
  it('measures database size, products and description tokens (chars ÷ 4)', async () => {
    const m = await measureWorkload({ pool, sampleMs: 0 });
    const size = await db.admin.query('SELECT pg_database_size(current_database()) AS b');
    expect(m.values['postgres.databaseSizeGb']).toBeCloseTo(Number(size.rows[0].b) / GIB, 3);
    expect(m.values['embeddings.productCount']).toBe(4);
    expect(m.values['embeddings.avgDescriptionTokens']).toBe(25); // average 100 characters ÷ 4
    expect(m.notes['embeddings.avgDescriptionTokens']).toContain('characters ÷ 4 characters per token');
    expect(m.tables.map((t) => `${t.schema}.${t.table}`)).toContain('retail.orders');
    expect(m.tables.find((t) => t.table === 'orders')!.estimatedRows).toBe(2000);
    expect(m.warnings.join('\n')).toMatch(/no folder backup target/);
    expect(m.warnings.join('\n')).toMatch(/no server URL/);
  });

  it('reads backup manifests: uploaded sizes and the schedule from their span', async () => {
    const b = await measureBackupFolder(dir);
    expect(b.method).toBe('manifests');
    expect(b.backups).toHaveLength(6);
    expect(b.fullAvgBytes).toBe(1.5 * GIB);
    expect(b.incrementalAvgBytes).toBe(10 * 1024 ** 2);
    const spanDays = 2 + 1 / 24; // 2026-11-01 02:00 → 2026-11-03 03:00
    expect(b.fullsPerDay).toBeCloseTo(2 / spanDays, 9);
    expect(b.incrementalsPerDay).toBeCloseTo(4 / spanDays, 9);
  });

  it('falls back to named backup files, then to the folder total, and says so', async () => {
    const named = await mkdtemp(join(tmpdir(), 'mcpops-cost-named-'));
    const plain = await mkdtemp(join(tmpdir(), 'mcpops-cost-plain-'));
    try {
      await writeFile(join(named, 'zava_backup_full_20261101_020000.dump'), Buffer.alloc(3000));
      await writeFile(join(named, 'zava_backup_incremental_20261101_030000.dump'), Buffer.alloc(100));
      const byName = await measureBackupFolder(named);
      expect(byName).toMatchObject({ method: 'files', fullAvgBytes: 3000, incrementalAvgBytes: 100 });
      expect(byName.fullsPerDay).toBeUndefined(); // under a day of history: the schedule stays assumed
      await writeFile(join(plain, 'a.bin'), Buffer.alloc(700));
      await writeFile(join(plain, 'b.bin'), Buffer.alloc(300));
      const total = await measureBackupFolder(plain);
      expect(total).toMatchObject({ method: 'folder-total', totalBytes: 1000, fullAvgBytes: 1000 });
      expect(total.note).toContain("the folder's total size (2 files) counted as one full backup");
    } finally {
      await rm(named, { recursive: true, force: true });
      await rm(plain, { recursive: true, force: true });
    }
  });

  it('extrapolates requests and tokens over the server uptime; /metrics scrapes are not requests', async () => {
    const m = await measureWorkload({ pool, backupDir: dir, serverUrl: metrics.url });
    // 3,600 requests in ~3,600 s → ~1/s → ~2,628,000 a month.
    const requests = Number(m.values['traffic.requestsPerMonth']);
    expect(requests / 2_628_000).toBeCloseTo(1, 2);
    expect(m.values['traffic.avgRequestSeconds']).toBe(0.15);
    expect(m.values['embeddings.avgQueryTokens']).toBe(12);
    expect(Number(m.values['embeddings.queriesPerMonth']) / (2000 * 730)).toBeCloseTo(1, 2);
    expect(m.notes['traffic.requestsPerMonth']).toMatch(
      /mcpops_http_requests_total averaged over 36\d\d s of uptime/,
    );
  });

  it('without an uptime metric, takes the rate between two scrapes', async () => {
    const m = await measureWorkload({ pool, serverUrl: counterOnly.url, sampleMs: 1000 });
    // The counter grows 5 per second: ~13,140,000 a month (loose: two scrapes on a shared CPU).
    const requests = Number(m.values['traffic.requestsPerMonth']);
    expect(requests).toBeGreaterThan(5 * 2_628_000 * 0.7);
    expect(requests).toBeLessThan(5 * 2_628_000 * 1.3);
    expect(m.notes['traffic.requestsPerMonth']).toMatch(/mcpops_tool_calls_total rate over a 1\.\d s window/);
    expect(m.warnings.join('\n')).toContain('no embedding token counters');
  });

  it('an unreachable server leaves traffic assumed with a warning, not a failure', async () => {
    const m = await measureWorkload({ pool, serverUrl: 'http://127.0.0.1:1', sampleMs: 0 });
    expect(m.values['traffic.requestsPerMonth']).toBeUndefined();
    expect(m.warnings.join('\n')).toMatch(/cannot read metrics from http:\/\/127\.0\.0\.1:1\/metrics/);
  });

  it('feeds the estimate, which says which inputs were measured and which assumed', async () => {
    const measurement = await measureWorkload({ pool, backupDir: dir, serverUrl: metrics.url });
    const report = await runCostEstimate({ measurement });
    const source = Object.fromEntries(report.estimate.inputs.map((i) => [i.name, i.source]));
    for (const key of [
      'postgres.databaseSizeGb',
      'embeddings.productCount',
      'embeddings.avgDescriptionTokens',
      'backups.fullSizeGb',
      'backups.incrementalSizeGb',
      'backups.fullsPerDay',
      'traffic.requestsPerMonth',
      'embeddings.avgQueryTokens',
    ])
      expect(source[key], key).toBe('measured');
    expect(source['containerApps.vcpu']).toBe('assumed');
    expect(report.estimate.workload.backups.fullSizeGb).toBe(1.5);
    expect(report.measured!.backups).toMatchObject({ method: 'manifests', count: 6 });
    // Blob GB-month follows the measured sizes: (1.5 × fulls/day + 0.009766 × incrementals/day) × 30.
    const w = report.estimate.workload.backups;
    const blob = report.estimate.lines.find((l) => l.meter === 'blob.hot.storage')!;
    expect(blob.quantity).toBeCloseTo((1.5 * w.fullsPerDay + 0.009766 * w.incrementalsPerDay) * 30, 6);
  });
});

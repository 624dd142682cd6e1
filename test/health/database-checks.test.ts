import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.js';
import { collectHealth } from '../../src/ops/health/collect.js';
import { statusExitCode } from '../../src/ops/health/types.js';
import { adminUrl } from '../support/database.js';
import { createZavaTestDatabase, type ZavaTestDatabase } from '../support/zava.js';
import { allChecks, healthConfig, runOne } from './support.js';

let zava: ZavaTestDatabase;
let config: Config;
const clients: pg.Client[] = [];

async function client(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: zava.url });
  c.on('error', () => {});
  await c.connect();
  clients.push(c);
  return c;
}

async function waitFor(predicate: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  zava = await createZavaTestDatabase({ scale: 'tiny' });
  config = await healthConfig({
    DATABASE_URL: zava.url,
    MCPOPS_HEALTH_THRESHOLDS: '{"latency_ms":{"warn":5000,"crit":10000}}',
  });
  await zava.admin.query('CREATE TABLE public.health_probe (id int, note text)');
  await zava.admin.query(
    "INSERT INTO public.health_probe SELECT g % 10, 'x' FROM generate_series(1, 2000) g",
  );
});

afterAll(async () => {
  for (const c of clients) await c.end().catch(() => {});
  await zava?.drop();
});

describe('collectHealth on the sample database', () => {
  it('returns the report shape with every component and reaches the database', async () => {
    const report = await collectHealth({ config, hostChecks: true });
    expect(Object.keys(report.components)).toEqual(['database', 'ai_service', 'system', 'application']);
    expect(report.timestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(['OK', 'WARNING', 'CRITICAL', 'UNKNOWN']).toContain(report.overallStatus);
    const reachable = allChecks(report).find((c) => c.id === 'db.reachable')!;
    expect(reachable).toMatchObject({ status: 'OK', component: 'database', unit: 'ms' });
    expect(reachable.message).not.toMatch(/password/);
    const ids = allChecks(report).map((c) => c.id);
    for (const id of [
      'db.connections',
      'db.wraparound',
      'db.sequences',
      'db.serve_role',
      'ai.vector',
      'system.memory',
    ])
      expect(ids).toContain(id);
    expect(report.skipped.find((s) => s.id === 'app.server_ready')?.reason).toBe('no --server-url given');
    expect(report.failedComponents).toEqual(
      (['database', 'ai_service', 'system', 'application'] as const).filter(
        (c) => report.components[c].status !== 'OK',
      ),
    );
    expect(statusExitCode(report.overallStatus)).toBe(
      { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 }[report.overallStatus],
    );
  });

  it('says why pg_stat_statements is not checked when it is not installed', async () => {
    const report = await collectHealth({ config, only: ['slow_statements'] });
    expect(report.skipped).toContainEqual({
      id: 'db.slow_statements',
      component: 'database',
      reason: 'pg_stat_statements is not installed (shared_preload_libraries + CREATE EXTENSION)',
    });
  });

  it('finds the serve roles made by db init safe', async () => {
    const check = await runOne(config, 'db.serve_role');
    expect(check).toMatchObject({ status: 'OK', value: 'safe' });
  });
});

describe('each condition, created for real', () => {
  it('an INVALID index left by a unique build that failed on duplicates', async () => {
    expect((await runOne(config, 'db.invalid_indexes')).status).toBe('OK');
    await expect(
      zava.admin.query('CREATE UNIQUE INDEX CONCURRENTLY health_probe_id_uidx ON public.health_probe (id)'),
    ).rejects.toThrow(/could not create unique index/);
    const check = await runOne(config, 'db.invalid_indexes');
    expect(check).toMatchObject({ status: 'WARNING', value: 1 });
    expect(check.message).toBe('INVALID index(es): public.health_probe_id_uidx');
    expect(check.remedy).toMatch(/mcpops index apply/);
    await zava.admin.query('DROP INDEX public.health_probe_id_uidx');
  });

  it('duplicate indexes', async () => {
    await zava.admin.query('CREATE INDEX health_probe_a ON public.health_probe (id, note)');
    await zava.admin.query('CREATE INDEX health_probe_b ON public.health_probe USING btree (id, note)');
    const check = await runOne(config, 'db.duplicate_indexes');
    expect(check.status).toBe('WARNING');
    expect(check.message).toContain('public.health_probe (health_probe_a = health_probe_b)');
    await zava.admin.query('DROP INDEX health_probe_b');
    expect((await runOne(config, 'db.duplicate_indexes')).status).toBe('OK');
  });

  it('an unused index over the size threshold', async () => {
    const check = await runOne(config, 'db.unused_indexes', { unused_indexes: { min_bytes: 0 } });
    expect(check.status).toBe('WARNING');
    expect(check.value).toBeGreaterThan(0);
    expect((await runOne(config, 'db.unused_indexes')).status).toBe('OK');
  });

  it('a session idle in transaction', async () => {
    const idle = await client();
    await idle.query('BEGIN');
    await idle.query('SELECT 1');
    const { rows } = await idle.query('SELECT pg_backend_pid() AS pid');
    await new Promise((r) => setTimeout(r, 300));
    const check = await runOne(config, 'db.idle_in_transaction', {
      idle_in_transaction_seconds: { warn: 0.2, crit: 600 },
    });
    expect(check.status).toBe('WARNING');
    expect(check.message).toMatch(/session\(s\) idle in transaction/);
    expect(check.remedy).toMatch(/pg_terminate_backend/);
    await idle.query('ROLLBACK');
    expect(rows[0].pid).toBeGreaterThan(0);
  });

  it('a blocked session (two clients, one lock)', async () => {
    const holder = await client();
    const waiter = await client();
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE public.health_probe IN ACCESS EXCLUSIVE MODE');
    const holderPid = (await holder.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    const waiting = waiter.query('SELECT count(*) FROM public.health_probe');
    await waitFor(async () => {
      const { rows } = await zava.admin.query(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE cardinality(pg_blocking_pids(pid)) > 0',
      );
      return rows[0].n > 0;
    });
    await new Promise((r) => setTimeout(r, 200));
    const check = await runOne(config, 'db.blocked', { blocked_seconds: { warn: 0.1, crit: 600 } });
    expect(check.status).toBe('WARNING');
    expect(check.message).toContain(`blocked by ${holderPid}`);
    await holder.query('ROLLBACK');
    await waiting;
    expect((await runOne(config, 'db.blocked')).status).toBe('OK');
  });

  it('a long-running query (pg_sleep in another connection, threshold lowered)', async () => {
    const sleeper = await client();
    const sleeperPid = (await sleeper.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    const sleeping = sleeper.query('SELECT pg_sleep(5)').catch(() => undefined);
    await waitFor(async () => {
      const { rows } = await zava.admin.query(
        "SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND state = 'active'",
        [sleeperPid],
      );
      return rows.length > 0;
    });
    await new Promise((r) => setTimeout(r, 300));
    const check = await runOne(config, 'db.long_queries', { long_query_seconds: { warn: 0.2, crit: 600 } });
    expect(check.status).toBe('WARNING');
    expect(check.message).toMatch(
      new RegExp(`1 statement\\(s\\) running over 0 s, longest \\d+ s \\(pid ${sleeperPid}\\)`),
    );
    await zava.admin.query('SELECT pg_cancel_backend($1)', [sleeperPid]);
    await sleeping;
    expect(
      (await runOne(config, 'db.long_queries', { long_query_seconds: { warn: 0.2, crit: 600 } })).status,
    ).toBe('OK');
  });

  it('a sequence near its maximum', async () => {
    await zava.admin.query('CREATE TABLE public.health_seq (id serial PRIMARY KEY)');
    await zava.admin.query("SELECT setval('public.health_seq_id_seq', 1700000000)");
    const warning = await runOne(config, 'db.sequences');
    expect(warning.status).toBe('WARNING');
    expect(warning.message).toMatch(/fullest sequence public\.health_seq_id_seq at 79\.2 %/);
    await zava.admin.query("SELECT setval('public.health_seq_id_seq', 2000000000)");
    expect((await runOne(config, 'db.sequences')).status).toBe('CRITICAL');
    await zava.admin.query('DROP TABLE public.health_seq');
  });

  it('dead tuples after a large delete', async () => {
    await zava.admin.query('CREATE TABLE public.health_dead (id int)');
    await zava.admin.query('ALTER TABLE public.health_dead SET (autovacuum_enabled = off)');
    await zava.admin.query('INSERT INTO public.health_dead SELECT generate_series(1, 4000)');
    await zava.admin.query('DELETE FROM public.health_dead WHERE id > 1000');
    await zava.admin.query('SELECT pg_stat_force_next_flush()');
    await zava.admin.query('SELECT 1');
    const check = await runOne(config, 'db.dead_tuples', { dead_tuples: { min_dead: 100 } });
    expect(check.status).toBe('CRITICAL');
    expect(check.message).toMatch(/public\.health_dead 3,000 dead of 4,000 \(75\.0 %\)/);
  });

  it('a superuser serve role is CRITICAL', async () => {
    const role = `mcpops_health_${randomBytes(4).toString('hex')}`;
    const root = new pg.Client({ connectionString: adminUrl('postgres') });
    await root.connect();
    await root.query(`CREATE ROLE ${role} SUPERUSER NOLOGIN`);
    try {
      const unsafe = await healthConfig({ DATABASE_URL: zava.url, MCPOPS_SERVE_ROLE: role });
      const check = await runOne(unsafe, 'db.serve_role');
      expect(check.status).toBe('CRITICAL');
      expect(check.message).toContain(`role ${role} is a superuser`);
      expect(check.remedy).toMatch(/NOSUPERUSER|least-privilege/);
    } finally {
      await root.query(`DROP ROLE ${role}`);
      await root.end();
    }
  });

  it('wraparound and cache-hit thresholds come from the config override', async () => {
    const lowered = await healthConfig({
      DATABASE_URL: zava.url,
      MCPOPS_HEALTH_THRESHOLDS: JSON.stringify({
        wraparound: { warn: 0 },
        cache_hit: { warn: 1.01, crit: 0, min_blocks: 0 },
      }),
    });
    const report = await collectHealth({ config: lowered, only: ['wraparound', 'cache_hit'] });
    const checks = allChecks(report);
    expect(checks.find((c) => c.id === 'db.wraparound')).toMatchObject({
      status: 'WARNING',
      threshold: { warn: 0 },
    });
    expect(checks.find((c) => c.id === 'db.cache_hit')?.status).toBe('WARNING');
  });

  it('the vector extension missing on this server is a warning', async () => {
    const check = await runOne(config, 'ai.vector');
    expect(check).toMatchObject({ status: 'WARNING', value: null });
  });
});

describe('failures and time limits', () => {
  it('an unreachable database: db.reachable CRITICAL, database checks UNKNOWN without running', async () => {
    const down = await healthConfig({ DATABASE_URL: 'postgres://postgres:secret-pw@127.0.0.1:1/zava' });
    const report = await collectHealth({ config: down, only: ['database'] });
    const checks = allChecks(report);
    expect(checks.find((c) => c.id === 'db.reachable')).toMatchObject({ status: 'CRITICAL', value: null });
    expect(checks.find((c) => c.id === 'db.connections')).toMatchObject({
      status: 'UNKNOWN',
      message: 'not run: the database is unreachable',
    });
    expect(report.overallStatus).toBe('CRITICAL');
    expect(JSON.stringify(report)).not.toContain('secret-pw');
  });

  it('a check that hangs reports UNKNOWN at the global timeout instead of hanging', async () => {
    const started = Date.now();
    const report = await collectHealth({
      config,
      timeoutMs: 300,
      checks: [
        { id: 'system.hang', component: 'system', run: () => new Promise(() => {}) },
        {
          id: 'system.quick',
          component: 'system',
          run: async () => ({ status: 'OK', value: 1, message: 'fine' }),
        },
      ],
      only: ['system'],
    });
    expect(Date.now() - started).toBeLessThan(2000);
    const checks = allChecks(report);
    expect(checks.find((c) => c.id === 'system.hang')).toMatchObject({
      status: 'UNKNOWN',
      message: 'did not finish within the health timeout (300 ms)',
    });
    expect(checks.find((c) => c.id === 'system.quick')?.status).toBe('OK');
    expect(report.overallStatus).toBe('UNKNOWN');
  });

  it('--skip db.reachable still connects for the other database checks but does not report it', async () => {
    const report = await collectHealth({ config, only: ['database'], skip: ['db.reachable'] });
    const ids = allChecks(report).map((c) => c.id);
    expect(ids).not.toContain('db.reachable');
    expect(ids).toContain('db.connections');
    expect(allChecks(report).find((c) => c.id === 'db.connections')?.status).not.toBe('UNKNOWN');
  });

  it('rejects unknown check names and threshold keys', async () => {
    await expect(collectHealth({ config, only: ['nope'] })).rejects.toMatchObject({
      exitCode: 64,
      message: 'unknown health check "nope"',
    });
    // Loading the configuration already parses the thresholds, as validate-config does.
    await expect(
      healthConfig({ DATABASE_URL: zava.url, MCPOPS_HEALTH_THRESHOLDS: '{"connections":{"warning":1}}' }),
    ).rejects.toMatchObject({
      exitCode: 78,
      message: 'healthThresholds.connections has an unknown key "warning"',
    });
  });
});

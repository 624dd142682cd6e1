import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { initDatabase } from '../../src/db/init/index.js';
import { HEAD_OFFICE_ID, STORES } from '../../src/db/stores.js';
import type { RunningServe } from '../../src/mcp/serve.js';
import { callTool } from '../serve/support.js';
import { runCli } from '../support/cli.js';
import { createReplicaPair } from '../support/pg-cluster.js';
import { counter, httpClient, serveHttp } from './support.js';

const MAX_LAG_SECONDS = 2;
const seattle = STORES[0];
const COUNT = 'SELECT count(*) FROM retail.orders';

let pair: Awaited<ReturnType<typeof createReplicaPair>>;
let admin: pg.Client;
let running: RunningServe;
let store: Client;
let office: Client;

const base = () => new URL('/', running.url!);
const metrics = async () => (await fetch(new URL('/metrics', base()))).text();
const ready = async () => {
  const answer = await fetch(new URL('/ready', base()));
  return { status: answer.status, body: await answer.json() };
};
const count = async (client: Client) => {
  const answer = await callTool(client, 'execute_sales_query', { postgresql_query: COUNT });
  expect(answer.isError, answer.text).toBe(false);
  return answer.json.r[0][0] as number;
};
const truth = async (rlsUserId?: string) => {
  const { rows } = await admin.query(
    rlsUserId
      ? 'SELECT count(*)::int AS n FROM retail.orders o JOIN retail.stores s USING (store_id) WHERE s.rls_user_id = $1'
      : 'SELECT count(*)::int AS n FROM retail.orders',
    rlsUserId ? [rlsUserId] : [],
  );
  return rows[0].n as number;
};
/** One more Seattle order, written on the primary. */
const writeOrder = () =>
  admin.query(
    `INSERT INTO retail.orders (customer_id, store_id, order_date)
     SELECT customer_id, store_id, current_date FROM retail.orders o JOIN retail.stores s USING (store_id)
     WHERE s.rls_user_id = $1 LIMIT 1`,
    [seattle.rlsUserId],
  );
async function until<T>(probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  pair = await createReplicaPair();
  const root = new pg.Client({ connectionString: pair.primaryUrl('postgres') });
  await root.connect();
  await root.query('CREATE DATABASE zava');
  await root.end();
  const pool = new pg.Pool({ connectionString: pair.primaryUrl('zava'), max: 2 });
  await initDatabase(pool, {
    readerRole: 'zava_reader',
    loginRole: 'zava_serve',
    sampleData: true,
    scale: 'tiny',
  });
  await pool.end();
  admin = new pg.Client({ connectionString: pair.primaryUrl('zava') });
  await admin.connect();
  await pair.catchUp();
  running = await serveHttp({
    DATABASE_URL: pair.primaryUrl('zava', 'zava_serve'),
    DATABASE_READ_URL: pair.replicaUrl('zava', 'zava_serve'),
    MCPOPS_READ_REPLICA_MAX_LAG_SECONDS: String(MAX_LAG_SECONDS),
    MCPOPS_READ_REPLICA_CHECK_SECONDS: '1',
    MCPOPS_BREAKER_RESET_SECONDS: '1',
    MCPOPS_CACHE_TTL_SECONDS: '0',
    MCPOPS_POOL_MIN: '0',
  });
  store = await httpClient(running.url!, { 'x-rls-user-id': seattle.rlsUserId });
  office = await httpClient(running.url!, { 'x-rls-user-id': HEAD_OFFICE_ID });
}, 90_000);

afterAll(async () => {
  await store?.close();
  await office?.close();
  await running?.stop();
  await admin?.end();
  await pair?.remove();
}, 60_000);

describe('serve with DATABASE_READ_URL', () => {
  test('reads run on the replica, in the same store session, and match the primary', async () => {
    expect((await ready()).body).toMatchObject({
      status: 'ready',
      database: 'ok',
      replica: { state: 'ok', reads: 'replica', lagSeconds: 0 },
    });
    const before = counter(await metrics(), 'mcpops_db_read_target_total', { target: 'replica' });
    expect(await count(store)).toBe(await truth(seattle.rlsUserId));
    expect(await count(office)).toBe(await truth());
    const who = await callTool(store, 'execute_sales_query', {
      postgresql_query: "SELECT current_user AS who, current_setting('app.current_rls_user_id') AS id",
    });
    expect(who.json.r[0]).toEqual(['zava_reader', seattle.rlsUserId]);
    const schemas = await callTool(store, 'get_multiple_table_schemas', { table_names: ['retail.orders'] });
    expect(schemas.text).toContain('- order_date:date');
    const after = await metrics();
    expect(counter(after, 'mcpops_db_read_target_total', { target: 'replica' }) - before).toBe(4);
    expect(counter(after, 'mcpops_db_read_target_total', { target: 'primary' })).toBe(0);
  });

  test('a write on the primary shows in replica reads within the lag bound', async () => {
    const was = await count(store);
    const before = counter(await metrics(), 'mcpops_db_read_target_total', { target: 'primary' });
    await writeOrder();
    const started = Date.now();
    const seen = await until(
      () => count(store),
      (n) => n === was + 1,
      MAX_LAG_SECONDS * 1000,
    );
    expect(seen).toBe(was + 1);
    expect(Date.now() - started).toBeLessThan(MAX_LAG_SECONDS * 1000);
    expect(counter(await metrics(), 'mcpops_db_read_target_total', { target: 'primary' })).toBe(before);
  });

  test('replica stopped: calls fall back to the primary with no error, /ready says so; back when it returns', async () => {
    await pair.stopReplica();
    const fallbacksBefore = counter(await metrics(), 'mcpops_db_read_fallbacks_total');
    // Right away (before the next measurement) and after it: every call answers.
    for (let i = 0; i < 4; i++) expect(await count(store)).toBe(await truth(seattle.rlsUserId));
    const down = await until(ready, (r) => r.body.replica?.state === 'unreachable');
    expect(down).toMatchObject({
      status: 200,
      body: { status: 'ready', database: 'ok', replica: { state: 'unreachable', reads: 'primary' } },
    });
    await writeOrder();
    expect(await count(store)).toBe(await truth(seattle.rlsUserId));
    const text = await metrics();
    expect(counter(text, 'mcpops_db_read_fallbacks_total') - fallbacksBefore).toBeGreaterThanOrEqual(5);
    expect(counter(text, 'mcpops_db_read_fallbacks_total', { reason: 'unreachable' })).toBeGreaterThanOrEqual(
      5,
    );

    await pair.startReplica();
    await pair.catchUp();
    const up = await until(ready, (r) => r.body.replica?.reads === 'replica');
    expect(up.body.replica).toMatchObject({ state: 'ok', reads: 'replica' });
    const onReplica = counter(await metrics(), 'mcpops_db_read_target_total', { target: 'replica' });
    // The replica's breaker may let one trial through first; within a few calls reads are back.
    await until(
      async () => {
        await count(store);
        return counter(await metrics(), 'mcpops_db_read_target_total', { target: 'replica' });
      },
      (n) => n > onReplica,
    );
    expect(counter(await metrics(), 'mcpops_db_read_target_total', { target: 'replica' })).toBeGreaterThan(
      onReplica,
    );
    expect(await count(store)).toBe(await truth(seattle.rlsUserId));
  }, 60_000);

  test('replay paused and the primary written: lag over the limit sends reads to the primary', async () => {
    await pair.catchUp();
    await pair.onReplica('SELECT pg_wal_replay_pause()');
    try {
      await writeOrder();
      const lagging = await until(
        ready,
        (r) => r.body.replica?.state === 'lagging',
        (MAX_LAG_SECONDS + 5) * 1000,
      );
      expect(lagging.body).toMatchObject({
        status: 'ready',
        replica: { state: 'lagging', reads: 'primary', reason: 'lagging' },
      });
      expect(lagging.body.replica.lagSeconds).toBeGreaterThan(MAX_LAG_SECONDS);
      const before = counter(await metrics(), 'mcpops_db_read_fallbacks_total', { reason: 'lagging' });
      // Only the primary has the new order: the answer proves where it ran.
      expect(await count(store)).toBe(await truth(seattle.rlsUserId));
      expect(counter(await metrics(), 'mcpops_db_read_fallbacks_total', { reason: 'lagging' })).toBe(
        before + 1,
      );
    } finally {
      await pair.onReplica('SELECT pg_wal_replay_resume()');
    }
    await pair.catchUp();
    const back = await until(ready, (r) => r.body.replica?.reads === 'replica');
    expect(back.body.replica).toMatchObject({ state: 'ok', lagSeconds: 0 });
  }, 60_000);
});

describe('health and validate-config --check probe the replica', () => {
  const env = (readUrl: string) => ({
    DATABASE_URL: pair.primaryUrl('zava'),
    DATABASE_READ_URL: readUrl,
    MCPOPS_READ_REPLICA_MAX_LAG_SECONDS: String(MAX_LAG_SECONDS),
  });
  const health = async (readUrl: string) => {
    const result = await runCli(['health', '--only', 'db.read_replica', '--json'], { env: env(readUrl) });
    return result.json().components.database.checks.find((c: { id: string }) => c.id === 'db.read_replica');
  };
  const validate = async (readUrl: string) => {
    const result = await runCli(['validate-config', '--check', '--json'], { env: env(readUrl) });
    const report = result.json();
    return {
      probe: report.probes.find((p: { name: string }) => p.name === 'read replica'),
      findings: report.findings.filter((f: { setting: string }) => f.setting === 'readReplicaUrl'),
    };
  };

  test('a fit replica: reachable, a standby, no lag, the same schema version', async () => {
    await pair.catchUp();
    const check = await health(pair.replicaUrl('zava'));
    expect(check).toMatchObject({ status: 'OK', value: 0 });
    expect(check.message).toMatch(/standby, lag 0\.0 s, schema version 1/);
    const { probe, findings } = await validate(pair.replicaUrl('zava'));
    expect(probe).toMatchObject({ ok: true });
    expect(probe.detail).toMatch(/standby, lag 0\.0 s, schema version 1/);
    expect(findings).toEqual([]);
  });

  test('the primary given as replica, another database, or an unreachable one: each said plainly', async () => {
    const primary = await health(pair.primaryUrl('zava'));
    expect(primary).toMatchObject({ status: 'CRITICAL' });
    expect(primary.message).toMatch(/is not a standby/);
    const other = await health(pair.replicaUrl('postgres'));
    expect(other).toMatchObject({ status: 'CRITICAL' });
    expect(other.message).toMatch(/schema version \(none\) differs from the primary's \(1\)/);
    const gone = await health('postgres://zava_serve@127.0.0.1:1/zava');
    expect(gone).toMatchObject({ status: 'CRITICAL' });
    expect(gone.message).toMatch(/unreachable/);
    const { probe, findings } = await validate(pair.primaryUrl('zava'));
    expect(probe.ok).toBe(false);
    expect(findings.map((f: { message: string }) => f.message).join('\n')).toMatch(/not a standby/);
  });
});

describe('backup --from-replica', () => {
  test('takes the snapshot on the replica, with the same rows as the primary, and records the lag', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const target = await mkdtemp(join(tmpdir(), 'mcpops-backup-replica-'));
    try {
      await pair.catchUp();
      const env = { DATABASE_URL: pair.primaryUrl('zava'), DATABASE_READ_URL: pair.replicaUrl('zava') };
      const result = await runCli(['backup', '--from-replica', '--target', target, '--json'], { env });
      expect(result.code, result.stderr).toBe(0);
      const backup = result.json().backup;
      expect(backup.source).toMatchObject({ from: 'replica', lagSeconds: 0 });
      expect(backup.source.where).toContain(`:${pair.replicaPort}/zava`);
      const { readFile } = await import('node:fs/promises');
      const manifest = JSON.parse(await readFile(join(target, 'manifests', `${backup.id}.json`), 'utf8'));
      expect(manifest.source).toEqual(backup.source);
      const orders = manifest.tables.find((t: { name: string }) => t.name === 'retail.orders');
      expect(orders.rows).toBe(await truth());
      // Without a replica configured the option is refused, with the fix.
      const refused = await runCli(['backup', '--from-replica', '--target', target, '--json'], {
        env: { DATABASE_URL: pair.primaryUrl('zava') },
      });
      expect(refused.code).toBe(64);
      expect(refused.stderr + refused.stdout).toMatch(/DATABASE_READ_URL/);
    } finally {
      await rm(target, { recursive: true, force: true });
    }
  }, 60_000);
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReplicaPool } from '../../src/db/replica.js';
import { ExitCode } from '../../src/errors.js';
import { runCli } from '../support/cli.js';
import { startTlsCluster, type TlsCluster, tlsClient } from '../support/tls-cluster.js';
import { configFor } from './helpers.js';

let cluster: TlsCluster;
let dir: string;

/** Row count and checksum of one table, read over TLS. */
async function checksum(database: string, table: string): Promise<string> {
  const client = await tlsClient(cluster, database);
  try {
    const r = await client.query(
      `SELECT count(*) || ':' || md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))) AS sum FROM ${table} t`,
    );
    return r.rows[0].sum;
  } finally {
    await client.end();
  }
}

/** The "connection authorized" lines the server logged since `from` (its log length before). */
async function connectionsSince(from: number): Promise<string[]> {
  return (await cluster.log())
    .slice(from)
    .split('\n')
    .filter((line) => line.includes('connection authorized'));
}

beforeAll(async () => {
  cluster = await startTlsCluster();
  dir = await mkdtemp(join(tmpdir(), 'mcpops-backup-tls-'));
  const admin = await tlsClient(cluster);
  try {
    await admin.query('CREATE DATABASE zava_tls');
  } finally {
    await admin.end();
  }
  const db = await tlsClient(cluster, 'zava_tls');
  try {
    await db.query(`
      CREATE TABLE orders (id int PRIMARY KEY, amount numeric(8,2), note text);
      INSERT INTO orders SELECT g, g / 3.0, 'note ' || g FROM generate_series(1, 5000) g;
      CREATE TABLE stores (id int PRIMARY KEY, name text);
      INSERT INTO stores SELECT g, 'store ' || g FROM generate_series(1, 8) g;
    `);
  } finally {
    await db.end();
  }
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('backup and restore against a hostssl-only server', () => {
  it('with POSTGRES_SSLMODE=require every connection (clients, pg_dump, psql) is encrypted', async () => {
    const env = { DATABASE_URL: cluster.url('zava_tls'), POSTGRES_SSLMODE: 'require' };
    const logStart = (await cluster.log()).length;
    const backup = await runCli(['backup', '--target', dir, '--jobs', '2', '--json'], { env });
    expect(backup.code, backup.stdout + backup.stderr).toBe(0);
    const restore = await runCli(
      ['restore', 'latest', '--from', dir, '--target', cluster.url('zava_restored'), '--create', '--json'],
      { env },
    );
    expect(restore.code, restore.stdout + restore.stderr).toBe(0);
    expect(await checksum('zava_restored', 'orders')).toBe(await checksum('zava_tls', 'orders'));
    expect(await checksum('zava_restored', 'stores')).toBe(await checksum('zava_tls', 'stores'));

    const lines = await connectionsSince(logStart);
    // Snapshot, 2 workers, pg_dump children, admin, probe and psql children: all of them TLS.
    expect(lines.length).toBeGreaterThanOrEqual(8);
    expect(lines.filter((line) => !/SSL enabled \(protocol=TLS/.test(line))).toEqual([]);
    expect(lines.some((line) => /database=zava_restored/.test(line))).toBe(true);
  });

  it('verify-full with the right root certificate works, pg_dump included', async () => {
    const env = {
      DATABASE_URL: cluster.url('zava_tls'),
      POSTGRES_SSLMODE: 'verify-full',
      POSTGRES_SSLROOTCERT: cluster.caFile,
    };
    const backup = await runCli(['backup', '--target', dir, '--type', 'full', '--json'], { env });
    expect(backup.code, backup.stdout + backup.stderr).toBe(0);
    expect(backup.json().backup.tables).toBe(2);
  });

  it('verify-full against a wrong CA fails with one clear line, exit 78, for backup and restore', async () => {
    const env = {
      DATABASE_URL: cluster.url('zava_tls'),
      POSTGRES_SSLMODE: 'verify-full',
      POSTGRES_SSLROOTCERT: cluster.wrongCaFile,
    };
    const backup = await runCli(['backup', '--target', dir], { env });
    expect(backup.code).toBe(ExitCode.config);
    expect(backup.stderr).toMatch(
      /TLS to postgres:\/\/postgres@127\.0\.0\.1:\d+\/zava_tls failed: .*certificate/,
    );
    expect(backup.stderr).toMatch(/POSTGRES_SSLROOTCERT/);
    expect(backup.stderr).not.toMatch(/\n\s+at /);
    const restore = await runCli(
      ['restore', 'latest', '--from', dir, '--target', cluster.url('zava_wrong_ca'), '--create'],
      { env },
    );
    expect(restore.code).toBe(ExitCode.config);
    expect(restore.stderr).toMatch(/TLS to .* failed: .*certificate/);
  });
});

describe('the read replica pool on a hostssl-only server', () => {
  // The replica takes the same TLS settings as the primary: without the root certificate from
  // POSTGRES_SSLROOTCERT, verify-full against a self-signed server cannot succeed.
  it.each([
    ['the right root certificate answers', () => cluster.caFile, true],
    ['a wrong root certificate is refused', () => cluster.wrongCaFile, false],
  ])('verify-full: %s', async (_name, rootCert, answers) => {
    const config = await configFor({
      DATABASE_URL: cluster.url('zava_tls'),
      DATABASE_READ_URL: cluster.url('zava_tls'),
      POSTGRES_SSLMODE: 'verify-full',
      POSTGRES_SSLROOTCERT: rootCert(),
    });
    const replica = createReplicaPool(config, { max: 1 });
    try {
      const read = replica!.pool.query<{ ssl: boolean }>(
        'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
      );
      if (answers) expect((await read).rows[0].ssl).toBe(true);
      else await expect(read).rejects.toThrow(/certificate/);
    } finally {
      await replica?.pool.end();
    }
  });
});

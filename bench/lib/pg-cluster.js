import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './pgbouncer.js';

const run = promisify(execFile);
const VERSION = '15';

async function ctl(name, action) {
  await run('pg_ctlcluster', [
    '--skip-systemctl-redirect',
    VERSION,
    name,
    action,
    ...(action === 'stop' ? ['-m', 'fast'] : []),
  ]);
}

async function createCluster(name, port) {
  await run('pg_createcluster', [
    VERSION,
    name,
    '-p',
    String(port),
    '--start-conf=manual',
    '-o',
    'wal_level=replica',
    '-o',
    'max_wal_senders=4',
    '-o',
    'shared_buffers=32MB',
    '-o',
    'fsync=off',
    '--',
    '--auth=trust',
  ]);
}

function url(port, database, user = 'postgres') {
  return `postgres://${user}@127.0.0.1:${port}/${database}`;
}

async function query(connectionString, sql) {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * A new PostgreSQL 15 primary made from scratch (wal_level=replica, trust on loopback) and a
 * streaming replica of it (`pg_basebackup -R`), each its own Debian cluster on a free port. The
 * shared test server is never touched. Needs root (pg_createcluster); call remove() in afterAll.
 */
export async function createReplicaPair() {
  if (process.getuid?.() !== 0) throw new Error('creating PostgreSQL clusters needs root (pg_createcluster)');
  const name = `mcpops_scale_${randomBytes(4).toString('hex')}`;
  const replicaName = `${name}_r`;
  const primaryPort = await freePort();
  const replicaPort = await freePort();
  const remove = async () => {
    for (const n of [replicaName, name]) await run('pg_dropcluster', ['--stop', VERSION, n]).catch(() => {});
  };
  try {
    await createCluster(name, primaryPort);
    await ctl(name, 'start');
    await createCluster(replicaName, replicaPort);
    const dataDir = `/var/lib/postgresql/${VERSION}/${replicaName}`;
    // Empty the new cluster's data folder (it is owned by postgres; its parent is not).
    for (const entry of await readdir(dataDir))
      await rm(join(dataDir, entry), { recursive: true, force: true });
    await run('runuser', [
      '-u',
      'postgres',
      '--',
      'pg_basebackup',
      '-h',
      '127.0.0.1',
      '-p',
      String(primaryPort),
      '-U',
      'postgres',
      '-D',
      dataDir,
      '-R',
      '-X',
      'stream',
      '-c',
      'fast',
    ]);
    await ctl(replicaName, 'start');
  } catch (error) {
    await remove();
    throw error;
  }
  return {
    primaryPort,
    replicaPort,
    /** postgres:// URLs on the primary / the replica as `user` (default postgres) to `database`. */
    primaryUrl: (database, user) => url(primaryPort, database, user),
    replicaUrl: (database, user) => url(replicaPort, database, user),
    /** Waits until the replica has replayed everything the primary has written so far. */
    async catchUp(timeoutMs = 15_000) {
      const { rows } = await query(url(primaryPort, 'postgres'), 'SELECT pg_current_wal_lsn()::text AS lsn');
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const replayed = await query(
          url(replicaPort, 'postgres'),
          `SELECT pg_last_wal_replay_lsn() >= '${rows[0].lsn}'::pg_lsn AS done`,
        ).catch(() => ({ rows: [{ done: false }] }));
        if (replayed.rows[0].done) return;
        if (Date.now() > deadline) throw new Error('the replica did not catch up');
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    stopReplica: () => ctl(replicaName, 'stop'),
    startReplica: () => ctl(replicaName, 'start'),
    /** SQL on the replica as the superuser (pg_wal_replay_pause() and friends). */
    onReplica: (sql) => query(url(replicaPort, 'postgres'), sql),
    remove,
  };
}

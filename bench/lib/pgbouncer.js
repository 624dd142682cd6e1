import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../load/processes.js';

export { freePort };

export function pgbouncerInstalled() {
  return spawnSync('pgbouncer', ['--version'], { stdio: 'ignore' }).status === 0;
}

export function waitForPort(port, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = new Socket();
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing listens on port ${port}`));
        else setTimeout(attempt, 100);
      });
      socket.connect(port, '127.0.0.1');
    };
    attempt();
  });
}

/**
 * The pgbouncer.ini the tests run and docs/deploy.md shows (transaction pooling); a test keeps
 * the guide's copy equal to this with the guide's addresses, auth and paths.
 */
export function pgbouncerIni(o) {
  return `[databases]
* = host=${o.serverHost} port=${o.serverPort}

[pgbouncer]
listen_addr = ${o.listenAddr}
listen_port = ${o.listenPort}
unix_socket_dir =
pool_mode = transaction
default_pool_size = ${o.poolSize}
max_client_conn = 500
auth_type = ${o.authType}
auth_file = ${o.authFile}
admin_users = postgres
ignore_startup_parameters = extra_float_digits
server_reset_query =
logfile = ${o.logfile}
pidfile = ${o.pidfile}
`;
}

/** The values docs/deploy.md uses in its pgbouncer.ini. */
export const GUIDE_INI = {
  serverHost: 'db.internal',
  serverPort: 5432,
  listenAddr: '0.0.0.0',
  listenPort: 6432,
  poolSize: 20,
  authType: 'scram-sha-256',
  authFile: '/etc/pgbouncer/userlist.txt',
  logfile: '/var/log/postgresql/pgbouncer.log',
  pidfile: '/var/run/postgresql/pgbouncer.pid',
};

/**
 * Debian's PgBouncer on a free loopback port with a generated config, in a temp folder. As root
 * it runs as the postgres user (PgBouncer refuses to run as root).
 */
/**
 * @param {{ host?: string, port?: number, poolSize?: number, users?: string[] }} options the server
 *   behind it (default the local test server), server connections per database/user pair, and the
 *   users that may log in (trust auth still needs them in the auth file).
 */
export async function startPgBouncer(options = {}) {
  if (!pgbouncerInstalled())
    throw new Error('pgbouncer is not installed: apt-get install -y pgbouncer (.ci/run installs it)');
  const dir = await mkdtemp(join(tmpdir(), 'mcpops-pgbouncer-'));
  await chmod(dir, 0o777);
  const listenPort = await freePort();
  const ini = pgbouncerIni({
    serverHost: options.host ?? '127.0.0.1',
    serverPort: options.port ?? 5432,
    listenAddr: '127.0.0.1',
    listenPort,
    poolSize: options.poolSize ?? 2,
    // The test server trusts loopback; the guide's copy uses scram-sha-256.
    authType: 'trust',
    authFile: join(dir, 'userlist.txt'),
    logfile: join(dir, 'pgbouncer.log'),
    pidfile: join(dir, 'pgbouncer.pid'),
  });
  const users = options.users ?? ['postgres', 'zava_serve'];
  await writeFile(join(dir, 'userlist.txt'), users.map((u) => `"${u}" ""\n`).join(''));
  await writeFile(join(dir, 'pgbouncer.ini'), ini);
  const asRoot = process.getuid?.() === 0;
  const child = spawn('pgbouncer', [...(asRoot ? ['-u', 'postgres'] : []), join(dir, 'pgbouncer.ini')], {
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => child.once('exit', () => resolve()));
  const log = () => readFile(join(dir, 'pgbouncer.log'), 'utf8').catch(() => '');
  try {
    await waitForPort(listenPort);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`PgBouncer did not start: ${error.message}\n${await log()}`);
  }
  const urlFor = (url) => {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(listenPort);
    return u.toString();
  };
  return {
    port: listenPort,
    /** The generated pgbouncer.ini. */
    ini,
    urlFor,
    /** SHOW <what> on the admin console (SERVERS, POOLS, …), as rows. */
    async show(what) {
      const pg = (await import('pg')).default;
      const admin = new pg.Client({ connectionString: urlFor('postgres://postgres@x/pgbouncer') });
      await admin.connect();
      try {
        // The admin console speaks only the simple protocol.
        const result = await admin.query(`SHOW ${what.replace(/[^A-Za-z_]/g, '')}`);
        return result.rows;
      } finally {
        await admin.end();
      }
    },
    log,
    async stop() {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

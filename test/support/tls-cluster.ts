import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFile, chmod, chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './azurite.js';

const run = promisify(execFile);

export interface TlsCluster {
  port: number;
  /** postgres://postgres@127.0.0.1:port/<database>, with no sslmode (the settings decide). */
  url(database?: string): string;
  /** The server's self-signed certificate: the right root for verify-full. */
  caFile: string;
  /** Another self-signed certificate: a wrong root. */
  wrongCaFile: string;
  /** The server log (log_connections on): one "connection authorized" line per connection. */
  log(): Promise<string>;
  stop(): Promise<void>;
}

async function selfSigned(dir: string, name: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-keyout',
    key,
    '-out',
    cert,
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ]);
  return { cert, key };
}

/**
 * A second local PostgreSQL 15 cluster with `ssl = on` and only `hostssl` lines in pg_hba: a
 * connection in the clear is refused. Its certificate is self-signed (openssl). Call stop().
 */
export async function startTlsCluster(): Promise<TlsCluster> {
  const name = `mcpops_tls_${randomBytes(4).toString('hex')}`;
  const dir = await mkdtemp(join(tmpdir(), 'mcpops-tls-'));
  await chmod(dir, 0o755);
  const server = await selfSigned(dir, 'server');
  const wrong = await selfSigned(dir, 'wrong');
  const { stdout: uid } = await run('id', ['-u', 'postgres']);
  const { stdout: gid } = await run('id', ['-g', 'postgres']);
  await chown(server.key, Number(uid), Number(gid));
  await chmod(server.key, 0o600);
  const port = await freePort();
  const logFile = `/var/log/postgresql/postgresql-15-${name}.log`;
  const stop = async () => {
    await run('pg_dropcluster', ['--stop', '15', name]).catch(() => {});
    await rm(dir, { recursive: true, force: true });
    await rm(logFile, { force: true });
  };
  try {
    await run('pg_createcluster', ['15', name, '-p', String(port)]);
    const settings = {
      ssl: 'on',
      ssl_cert_file: server.cert,
      ssl_key_file: server.key,
      listen_addresses: '127.0.0.1',
      log_connections: 'on',
      shared_buffers: '16MB',
      max_connections: '30',
    };
    await appendFile(
      `/etc/postgresql/15/${name}/postgresql.conf`,
      Object.entries(settings)
        .map(([key, value]) => `${key} = '${value}'\n`)
        .join(''),
    );
    await writeFile(`/etc/postgresql/15/${name}/pg_hba.conf`, 'hostssl all all 127.0.0.1/32 trust\n');
    await run('pg_ctlcluster', ['--skip-systemctl-redirect', '15', name, 'start']);
  } catch (error) {
    await stop();
    throw error;
  }
  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;
  return {
    port,
    url,
    caFile: server.cert,
    wrongCaFile: wrong.cert,
    log: () => readFile(logFile, 'utf8').catch(() => ''),
    stop,
  };
}

/** A client of the TLS cluster for setup and checks (encrypted, certificate not checked). */
export async function tlsClient(cluster: TlsCluster, database = 'postgres'): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: cluster.url(database),
    ssl: { rejectUnauthorized: false },
  });
  await client.connect();
  return client;
}

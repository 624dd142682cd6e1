import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveDatabaseTarget } from '../../src/config/database.js';
import { Secret } from '../../src/config/secret.js';
import { withTls } from '../../src/config/tls.js';
import { clientConfig, libpqEnvironment } from '../../src/db/connection.js';
import { ExitCode, McpopsError } from '../../src/errors.js';
import { libpqEnv } from '../../src/ops/backup/pg-tools.js';
import { configFor } from './helpers.js';

let dir: string;
let ca: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcpops-conn-'));
  ca = join(dir, 'ca.pem');
  await writeFile(ca, '-----BEGIN CERTIFICATE-----\nnot checked here\n-----END CERTIFICATE-----\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('one connection factory', () => {
  it('the resolved target carries POSTGRES_SSL* to Node clients and to libpq children alike', async () => {
    const config = await configFor({
      DATABASE_URL: 'postgres://backup:s3cret@db.internal:5433/zava',
      POSTGRES_SSLMODE: 'verify-full',
      POSTGRES_SSLROOTCERT: ca,
    });
    const target = resolveDatabaseTarget(config);
    if (target.kind !== 'server') throw new Error('expected a server target');
    expect(target.tls).toEqual({ mode: 'verify-full', rootCert: ca, cert: undefined, key: undefined });
    const url = withTls(target.url, target.tls);

    const env = libpqEnv(url);
    expect(env).toMatchObject({
      PGHOST: 'db.internal',
      PGPORT: '5433',
      PGDATABASE: 'zava',
      PGUSER: 'backup',
      PGPASSWORD: 's3cret',
      PGSSLMODE: 'verify-full',
      PGSSLROOTCERT: ca,
    });
    const client = clientConfig(url);
    expect(client.connectionString).not.toMatch(/ssl/);
    expect(client.ssl).toMatchObject({ rejectUnauthorized: true });
    expect(String((client.ssl as { ca: Buffer }).ca)).toContain('BEGIN CERTIFICATE');
  });

  it('URL parameters win over the settings; the shell’s PG* variables never leak into children', async () => {
    const config = await configFor({
      DATABASE_URL: 'postgres://u@h/db?sslmode=require',
      POSTGRES_SSLMODE: 'verify-full',
    });
    const target = resolveDatabaseTarget(config);
    if (target.kind !== 'server') throw new Error('expected a server target');
    expect(target.sslMode).toBe('require');
    process.env.PGSSLMODE = 'disable';
    try {
      const env = libpqEnvironment(withTls(target.url, target.tls));
      expect(env.PGSSLMODE).toBe('require');
    } finally {
      delete process.env.PGSSLMODE;
    }
    expect(clientConfig(target.url).ssl).toEqual({ rejectUnauthorized: false });
  });

  it('require with a root certificate checks the chain, as libpq does; a missing file is exit 78', () => {
    const url = new Secret(`postgres://u@h/db?sslmode=require&sslrootcert=${encodeURIComponent(ca)}`);
    expect(clientConfig(url).ssl).toMatchObject({ rejectUnauthorized: true });
    const missing = new Secret('postgres://u@h/db?sslmode=verify-ca&sslrootcert=/nonexistent/ca.pem');
    try {
      clientConfig(missing);
      throw new Error('expected an error');
    } catch (error) {
      expect(error).toBeInstanceOf(McpopsError);
      expect((error as McpopsError).exitCode).toBe(ExitCode.config);
      expect((error as Error).message).toMatch(/CA certificate file \/nonexistent\/ca.pem cannot be read/);
    }
  });
});

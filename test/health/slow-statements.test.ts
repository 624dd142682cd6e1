import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/azurite.js';
import { healthConfig, runOne } from './support.js';

/**
 * pg_stat_statements needs shared_preload_libraries, a server setting the shared test server
 * must not change: this file starts its own throwaway cluster under /tmp on a free port.
 */
const BIN = '/usr/lib/postgresql/15/bin';
const available =
  existsSync(join(BIN, 'initdb')) && existsSync('/usr/lib/postgresql/15/lib/pg_stat_statements.so');
const asRoot = process.getuid?.() === 0;
let dir: string;
let server: ChildProcess | undefined;
let url: string;

function asPostgres(command: string, args: string[]): string[] {
  // initdb and postgres refuse to run as root.
  return asRoot ? ['runuser', '-u', 'postgres', '--', command, ...args] : [command, ...args];
}

beforeAll(async () => {
  if (!available) return;
  dir = mkdtempSync(join(tmpdir(), 'mcpops-pgss-'));
  if (asRoot)
    chownSync(
      dir,
      Number(execFileSync('id', ['-u', 'postgres']).toString()),
      Number(execFileSync('id', ['-g', 'postgres']).toString()),
    );
  const [initdb, ...initArgs] = asPostgres(join(BIN, 'initdb'), [
    '-D',
    join(dir, 'data'),
    '-A',
    'trust',
    '-U',
    'postgres',
    '--no-sync',
  ]);
  execFileSync(initdb, initArgs, { stdio: 'ignore' });
  const port = await freePort();
  const [postgres, ...args] = asPostgres(join(BIN, 'postgres'), [
    '-D',
    join(dir, 'data'),
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'shared_preload_libraries=pg_stat_statements',
    '-c',
    'fsync=off',
  ]);
  server = spawn(postgres, args, { stdio: 'ignore' });
  url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query('CREATE EXTENSION pg_stat_statements');
      await client.end();
      break;
    } catch (error) {
      await client.end().catch(() => {});
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}, 60_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server!.once('exit', r));
    // runuser does not pass signals on: pg_ctl stops the postmaster itself.
    const [pgCtl, ...args] = asPostgres(join(BIN, 'pg_ctl'), [
      '-D',
      join(dir, 'data'),
      'stop',
      '-m',
      'immediate',
    ]);
    try {
      execFileSync(pgCtl, args, { stdio: 'ignore', timeout: 10_000 });
    } catch {
      server.kill('SIGKILL');
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!available)('db.slow_statements on a cluster with pg_stat_statements preloaded', () => {
  it('is OK without slow statements and warns when a statement averages over the threshold', async () => {
    const config = await healthConfig({ DATABASE_URL: url });
    const quiet = await runOne(config, 'db.slow_statements', { slow_statement_ms: { warn: 5000 } });
    expect(quiet).toMatchObject({ status: 'OK', value: 0 });

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('SELECT pg_sleep(0.3)');
    await client.end();
    const slow = await runOne(config, 'db.slow_statements', { slow_statement_ms: { warn: 200 } });
    expect(slow.status).toBe('WARNING');
    expect(slow.message).toMatch(
      /statement\(s\) average over 200 ms; slowest \d+ ms × 1 .*SELECT pg_sleep\(\$1\)/,
    );
    expect(slow.remedy).toMatch(/EXPLAIN/);
  });
});

if (!available)
  console.warn('db.slow_statements test skipped: PostgreSQL 15 binaries or pg_stat_statements not found');

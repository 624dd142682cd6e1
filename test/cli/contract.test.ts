import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'mcpops-contract-'));
});

/**
 * Every key of a --json document is camelCase; `components` is keyed by the reference's component
 * names, and client-config's `config` is the client's own file format.
 */
function nonCamelKeys(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => nonCamelKeys(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => [
    ...(/^[a-z][a-zA-Z0-9]*$/.test(key) || path === '.components' || path.startsWith('.config')
      ? []
      : [`${path}.${key}`]),
    ...nonCamelKeys(child, `${path}.${key}`),
  ]);
}

const unreachable = 'postgres://nobody@127.0.0.1:1/none';

describe('one --json contract: {version, ok, …} with camelCase keys, errors included', () => {
  it.each([
    [['validate-config', '--json'], 0, true],
    [['client-config', 'claude', '--json'], 0, true],
    [
      [
        'scale-advise',
        '--metrics',
        join(import.meta.dirname, '../fixtures/metrics/low-cpu-high-mem.json'),
        '--json',
      ],
      0,
      true,
    ],
    [['health', '--json', '--database-url', unreachable, '--only', 'database'], 2, false],
    [['health', '--json', '--only', 'nope'], 64, false],
    [['serve', '--port', '99999', '--json'], 64, false],
    [['--dotenv', 'nope.env', 'validate-config', '--json'], 78, false],
    [['backup', 'lst', '--json'], 64, false],
  ])('%j exits %i with ok %s', async (args, code, ok) => {
    const result = await runCli(args as string[], { cwd, env: { HOME: cwd } });
    expect(result.code).toBe(code);
    const doc = result.json();
    expect(doc.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(doc.ok).toBe(ok);
    expect(Object.keys(doc).slice(0, 2)).toEqual(['version', 'ok']);
    expect(nonCamelKeys(doc)).toEqual([]);
    if (!ok && code !== 2) expect(doc.error.message).toBeTruthy();
  });
});

describe('health --format nagios: one line and exit 0-3 for every outcome', () => {
  it.each([
    [['health', '--format', 'nagios', '--bogus'], {}],
    [['health', '--format', 'nagios', '--only', 'nope'], {}],
    [['health', '--format', 'nagios', '--watch', '0'], {}],
    [['health', '--format', 'nagios'], { MCPOPS_HTTP_PORT: '99999' }],
    [['--dotenv', 'nope.env', 'health', '--format=nagios'], {}],
  ])('%j is UNKNOWN (3)', async (args, env) => {
    const result = await runCli(args, { cwd, env: { HOME: cwd, ...env } });
    expect(result.code).toBe(3);
    const lines = result.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^MCPOPS UNKNOWN - \S/);
  });

  it('an unreachable database is CRITICAL (2), still one line', async () => {
    const result = await runCli(
      ['health', '--format', 'nagios', '--database-url', unreachable, '--only', 'database'],
      {
        cwd,
      },
    );
    expect(result.code).toBe(2);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toMatch(/^MCPOPS CRITICAL - /);
  });
});

describe('flags reach mcpops and fail before anything starts', () => {
  it('--dotenv with a missing file is a config error (78), one line and its fix', async () => {
    const result = await runCli(['--dotenv', 'nope.env', 'validate-config'], { cwd });
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(
      /^mcpops: env file .*nope\.env cannot be read \(ENOENT\)\n {2}fix: Check the --dotenv path\.\n$/,
    );
  });

  it('--env-file (which Node takes for itself) points to --dotenv', async () => {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(cwd, 'good.env'), 'MCPOPS_HTTP_PORT=9000\n');
    const result = await runCli(['--env-file', 'good.env', 'validate-config'], { cwd });
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('(Did you mean --dotenv <file>?)');
  });

  it('--port 99999 is a usage error (64)', async () => {
    const result = await runCli(['serve', '--http', '--port', '99999'], { cwd });
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/--port must be a whole number from 0 to 65535 \(got "99999"\)/);
  });

  it('--rls-user-id 1234 is refused before the embedded database is created', async () => {
    const dir = join(cwd, 'never-created');
    const result = await runCli(['serve', '--rls-user-id', '1234'], {
      cwd,
      env: { MCPOPS_EMBEDDED_DIR: dir },
    });
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/--rls-user-id must be a store's rls_user_id \(a UUID\)/);
    expect(existsSync(dir)).toBe(false);
  });

  it('a mistyped subcommand gets a "did you mean"', async () => {
    const backup = await runCli(['backup', 'lst'], { cwd });
    expect(backup.code).toBe(64);
    expect(backup.stderr).toContain('(Did you mean backup list?)');
    const top = await runCli(['helth'], { cwd });
    expect(top.code).toBe(64);
    expect(top.stderr).toContain('(Did you mean health?)');
  });
});

describe('health judges the database, not the caller', () => {
  it('skips the host checks for a database elsewhere unless --host-checks', async () => {
    const remote = await runCli(['health', '--json', '--database-url', unreachable], { cwd });
    const report = remote.json();
    expect(report.components.system.checks).toEqual([]);
    expect(report.skipped.map((s: { id: string }) => s.id)).toEqual(
      expect.arrayContaining(['system.load', 'system.memory', 'system.disk']),
    );
    const here = await runCli(['health', '--json', '--database-url', unreachable, '--host-checks'], { cwd });
    const ids = here.json().components.system.checks.map((c: { id: string }) => c.id);
    expect(ids).toEqual(expect.arrayContaining(['system.load', 'system.memory']));
  });
});

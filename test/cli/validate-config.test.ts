import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { adminUrl } from '../support/database.js';

let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'mcpops-vc-'));
});

describe('mcpops validate-config', () => {
  it('reports every setting with the source that won, secrets masked (--json)', async () => {
    const result = await runCli(['validate-config', '--json'], {
      cwd,
      env: { POSTGRES_DB_HOST: '127.0.0.1', POSTGRES_PASSWORD: 'do-not-print-me', MCPOPS_HTTP_PORT: '9000' },
    });
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('do-not-print-me');
    const report = result.json();
    expect(report.version).toMatch(/^\d+\.\d+\.\d+/);
    const byKey = Object.fromEntries(report.settings.map((s: { key: string }) => [s.key, s]));
    expect(byKey.postgresHost).toMatchObject({ value: '127.0.0.1', source: 'env POSTGRES_DB_HOST' });
    expect(byKey.postgresPassword).toMatchObject({
      value: '***',
      source: 'env POSTGRES_PASSWORD',
      secret: true,
    });
    expect(byKey.httpPort).toMatchObject({ value: '9000', source: 'env MCPOPS_HTTP_PORT' });
    expect(byKey.postgresDb).toMatchObject({ value: 'zava', source: 'default' });
  });

  it('prints a table for people, with findings and their fix', async () => {
    const result = await runCli(['validate-config'], {
      cwd,
      env: { POSTGRES_HOST: 'a', POSTGRES_DB_HOST: 'b' },
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('postgresHost');
    expect(result.stdout).toContain(
      'warning postgresHost: POSTGRES_HOST and POSTGRES_DB_HOST are both set and differ',
    );
    expect(result.stdout).toContain('fix: Unset POSTGRES_DB_HOST');
  });

  it('--strict turns warnings into exit 1', async () => {
    const result = await runCli(['validate-config', '--strict'], {
      cwd,
      env: { POSTGRES_HOST: 'a', POSTGRES_DB_HOST: 'b' },
    });
    expect(result.code).toBe(1);
  });

  it('exits 78 on a malformed setting, naming it, without a stack trace', async () => {
    const result = await runCli(['validate-config'], { cwd, env: { POSTGRES_PORT: 'abc' } });
    expect(result.code).toBe(78);
    expect(result.stdout).toMatch(/error postgresPort: postgresPort from env POSTGRES_PORT is invalid/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 78 with one line for an unknown config-file key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mcpops-vc-'));
    await writeFile(join(dir, 'mcpops.config.json'), JSON.stringify({ httpPrt: 1 }));
    const result = await runCli(['validate-config'], { cwd: dir });
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(
      /^mcpops: config file .*mcpops.config.json has unknown setting: httpPrt\n\s+fix: /,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 78 for an unknown --profile value via env, 64 for a bad flag value', async () => {
    expect((await runCli(['validate-config'], { cwd, env: { MCPOPS_PROFILE: 'staging' } })).code).toBe(78);
    const flag = await runCli(['--profile', 'staging', 'validate-config'], { cwd });
    expect(flag.code).toBe(64);
    expect(flag.stderr).toContain("argument 'staging' is invalid");
  });

  it('--json on failure prints one document with ok:false', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mcpops-vc-'));
    const result = await runCli(['validate-config', '--json', '--config', 'missing.json'], { cwd: dir });
    expect(result.code).toBe(78);
    expect(result.json()).toMatchObject({ ok: false, error: { code: 'config_file_unreadable' } });
  });

  it('--check logs in and reports the role posture', async () => {
    const result = await runCli(['validate-config', '--check', '--json'], {
      cwd,
      env: { DATABASE_URL: adminUrl('postgres') },
    });
    expect(result.code).toBe(0);
    const report = result.json();
    const database = report.probes.find((p: { name: string }) => p.name === 'database');
    expect(database.ok).toBe(true);
    expect(report.findings).toContainEqual(
      expect.objectContaining({ level: 'warning', message: expect.stringContaining('is a superuser') }),
    );
  });

  it('--check in prod refuses a superuser login (exit 78)', async () => {
    const result = await runCli(['validate-config', '--check'], {
      cwd,
      env: {
        MCPOPS_PROFILE: 'prod',
        DATABASE_URL: adminUrl('postgres'),
        MCPOPS_AUTH: 'jwt',
        MCPOPS_JWKS_URL: 'https://id.example/jwks',
      },
    });
    expect(result.code).toBe(78);
    expect(result.stdout).toContain('error databaseUrl: login role postgres is a superuser');
  });

  it('--check exits 69 when the database is unreachable', async () => {
    const result = await runCli(['validate-config', '--check'], {
      cwd,
      env: { DATABASE_URL: 'postgres://postgres:pw-hidden@127.0.0.1:1/zava' },
    });
    expect(result.code).toBe(69);
    expect(result.stdout).toMatch(/cannot connect to postgres:\/\/postgres@127\.0\.0\.1:1\/zava/);
    expect(result.stdout + result.stderr).not.toContain('pw-hidden');
  });

  it('--check exits 78 when the login is refused', async () => {
    const url = new URL(adminUrl('postgres'));
    url.username = 'no_such_role_mcpops';
    const result = await runCli(['validate-config', '--check'], {
      cwd,
      env: { DATABASE_URL: url.toString() },
    });
    expect(result.code).toBe(78);
    expect(result.stdout).toMatch(/authentication to .* failed: role "no_such_role_mcpops" does not exist/);
  });
});

describe('mcpops frame', () => {
  it('--help lists every subcommand', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    for (const name of [
      'serve',
      'db',
      'index',
      'health',
      'backup',
      'restore',
      'validate-config',
      'cost-estimate',
      'scale-advise',
      'embeddings',
    ]) {
      expect(result.stdout).toContain(`  ${name}`);
    }
  });

  it('--version prints the package version', async () => {
    const result = await runCli(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('an unknown flag is a usage error (64)', async () => {
    const result = await runCli(['validate-config', '--no-such-flag']);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain("unknown option '--no-such-flag'");
  });
});

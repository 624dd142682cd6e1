import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { MAX_STATEMENT_TIMEOUT_MS } from '../../src/config/schema.js';
import { ConfigError } from '../../src/errors.js';
import { runCli } from '../support/cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcpops-harden-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function errorsFor(env: Record<string, string>): Promise<string[]> {
  const loaded = await loadConfig({ env, cwd: dir });
  return loaded.findings.filter((f) => f.level === 'error').map((f) => `${f.setting}: ${f.message}`);
}

describe('numeric settings stay within what PostgreSQL and Node accept', () => {
  test.each([
    ['MCPOPS_STATEMENT_TIMEOUT_MS', '2147483647', 'statementTimeoutMs'],
    ['MCPOPS_STATEMENT_TIMEOUT_MS', String(MAX_STATEMENT_TIMEOUT_MS + 1), 'statementTimeoutMs'],
    ['MCPOPS_POOL_QUEUE_TIMEOUT_MS', '2147483648', 'poolQueueTimeoutMs'],
    ['MCPOPS_INDEX_LOCK_TIMEOUT_MS', '9007199254740991', 'indexLockTimeoutMs'],
    ['MCPOPS_CACHE_TTL_SECONDS', '2147484', 'cacheTtlSeconds'],
    ['MCPOPS_POOL_IDLE_SECONDS', '99999999', 'poolIdleSeconds'],
    ['MCPOPS_BREAKER_RESET_SECONDS', '3000000', 'breakerResetSeconds'],
    ['MCPOPS_MAX_BYTES', '4294967296', 'maxBytes'],
    ['MCPOPS_WORK_MEM', '99999999GB', 'workMem'],
    ['MCPOPS_MAINTENANCE_WORK_MEM', '2048GB', 'maintenanceWorkMem'],
    ['MCPOPS_POSTURE_RECHECK_SECONDS', '31', 'postureRecheckSeconds'],
  ])('%s=%s is refused', async (name, value, setting) => {
    const errors = await errorsFor({ [name]: value });
    expect(
      errors.some((e) => e.startsWith(`${setting}:`)),
      errors.join('\n'),
    ).toBe(true);
  });

  test('the largest accepted values are accepted', async () => {
    expect(
      await errorsFor({
        MCPOPS_STATEMENT_TIMEOUT_MS: String(MAX_STATEMENT_TIMEOUT_MS),
        MCPOPS_POOL_QUEUE_TIMEOUT_MS: '2147483647',
        MCPOPS_CACHE_TTL_SECONDS: '2147483',
        MCPOPS_WORK_MEM: '2047GB',
      }),
    ).toEqual([]);
  });
});

describe('structured settings are parsed as their users parse them', () => {
  test.each([
    ['MCPOPS_AUTH_REGIONS', '{bad', 'authRegions'],
    ['MCPOPS_AUTH_REGIONS', '["west"]', 'authRegions'],
    ['MCPOPS_AUTH_REGIONS', '{"west":"Zava Retail Seattle"}', 'authRegions'],
    ['MCPOPS_HEALTH_THRESHOLDS', '{"nope":{"warn":1}}', 'healthThresholds'],
    ['MCPOPS_HEALTH_THRESHOLDS', '{bad', 'healthThresholds'],
    ['MCPOPS_AUTHORIZATION_SERVERS', 'https://ok.example, not a url', 'authorizationServers'],
    ['REDIS_URL', '::bad', 'redisUrl'],
    ['REDIS_URL', 'http://localhost:6379', 'redisUrl'],
    ['DATABASE_READ_URL', ':::', 'readReplicaUrl'],
    ['DATABASE_URL', 'postgres://%zz@127.0.0.1/zava', 'databaseUrl'],
    ['DATABASE_URL', 'postgres://u:p%@127.0.0.1/zava', 'databaseUrl'],
    ['DATABASE_URL', 'postgres://u@127.0.0.1/zava?sslmode=bogus', 'databaseUrl'],
    ['MCPOPS_ALLOWED_ORIGINS', '::bad', 'allowedOrigins'],
    ['MCPOPS_ALLOWED_ORIGINS', 'https://app.example/path', 'allowedOrigins'],
  ])('%s=%s is a configuration error', async (name, value, setting) => {
    const errors = await errorsFor({ [name]: value });
    expect(
      errors.some((e) => e.startsWith(`${setting}:`)),
      errors.join('\n'),
    ).toBe(true);
  });

  test('limits that depend on each other', async () => {
    expect(
      await errorsFor({ MCPOPS_HTTP_SESSIONS_PER_IDENTITY: '100', MCPOPS_HTTP_MAX_SESSIONS: '100' }),
    ).toEqual([expect.stringContaining('one caller could hold every session')]);
    expect(
      await errorsFor({ MCPOPS_HTTP_HEADERS_TIMEOUT_MS: '5000', MCPOPS_HTTP_REQUEST_TIMEOUT_MS: '1000' }),
    ).toEqual([expect.stringContaining('httpHeadersTimeoutMs')]);
  });

  test('a command given a malformed database URL stops with 78, not an unexpected error', async () => {
    const result = await runCli(['health', '--only', 'db.reachable'], {
      env: { DATABASE_URL: 'postgres://%zz@127.0.0.1/zava' },
      cwd: dir,
    });
    expect(result.code, result.stderr).toBe(78);
    expect(result.stderr).toContain('malformed percent-encoding in its user name');
    expect(result.stderr).not.toContain('%zz');
  });

  test('validate-config exits 78 for a malformed regions map and a malformed URL', async () => {
    for (const env of [
      { MCPOPS_AUTH_REGIONS: '{bad' },
      { DATABASE_READ_URL: ':::' },
      { REDIS_URL: '::bad' },
      { DATABASE_URL: 'postgres://%zz@127.0.0.1/zava' },
    ]) {
      const result = await runCli(['validate-config', '--json'], { env, cwd: dir });
      expect(result.code, JSON.stringify(env) + result.stdout + result.stderr).toBe(78);
    }
  });
});

describe('the config file accepts setting names only', () => {
  test.each(['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf'])(
    'a "%s" key is refused as unknown (78)',
    async (key) => {
      const file = join(dir, `${key}.json`);
      await writeFile(file, `{"${key}": {"maxRows": 5}, "maxRows": 10}`);
      const error = await loadConfig({ env: {}, cwd: dir, configFile: file }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).exitCode).toBe(78);
      expect((error as ConfigError).message).toContain(`unknown setting: ${key}`);
    },
  );
});

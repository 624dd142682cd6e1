import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { beforeEach, describe, expect, it } from 'vitest';
import { resolveDatabaseTarget } from '../../src/config/database.js';
import { assertConfigValid, loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

let cwd: string;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'mcpops-config-'));
});

describe('precedence: flags > env > .env > config file > defaults', () => {
  const cases: Array<{
    name: string;
    flags?: Record<string, unknown>;
    env?: Record<string, string>;
    dotenv?: string;
    file?: object;
    expected: number;
    source: string;
  }> = [
    { name: 'default', expected: 8000, source: 'default' },
    { name: 'file', file: { httpPort: 8100 }, expected: 8100, source: 'file' },
    {
      name: '.env over file',
      file: { httpPort: 8100 },
      dotenv: 'MCPOPS_HTTP_PORT=8200\n',
      expected: 8200,
      source: 'dotenv',
    },
    {
      name: 'env over .env',
      dotenv: 'MCPOPS_HTTP_PORT=8200\n',
      env: { MCPOPS_HTTP_PORT: '8300' },
      expected: 8300,
      source: 'env',
    },
    {
      name: 'flag over env',
      env: { MCPOPS_HTTP_PORT: '8300' },
      flags: { port: '8400' },
      expected: 8400,
      source: 'flag',
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      if (c.dotenv) await writeFile(join(cwd, '.env'), c.dotenv);
      if (c.file) await writeFile(join(cwd, 'mcpops.config.json'), JSON.stringify(c.file));
      const loaded = await loadConfig({ env: c.env ?? {}, cwd, flags: c.flags });
      expect(loaded.config.httpPort).toBe(c.expected);
      expect(loaded.sources.httpPort.kind).toBe(c.source);
    });
  }

  it('never lets .env override the real environment', async () => {
    await writeFile(join(cwd, '.env'), 'POSTGRES_DB=from_dotenv\n');
    const loaded = await loadConfig({ env: { POSTGRES_DB: 'from_env' }, cwd });
    expect(loaded.config.postgresDb).toBe('from_env');
  });
});

describe('aliases', () => {
  for (const [setting, names, value] of [
    ['postgresHost', ['POSTGRES_HOST', 'POSTGRES_DB_HOST'], 'db.internal'],
    ['postgresPort', ['POSTGRES_PORT', 'POSTGRES_DB_PORT'], '6543'],
    ['databaseUrl', ['DATABASE_URL', 'MCPOPS_DATABASE_URL'], 'postgres://u@h/d'],
    ['redisUrl', ['REDIS_URL'], 'redis://127.0.0.1:6379'],
    ['embeddingDeployment', ['EMBEDDING_MODEL_DEPLOYMENT_NAME'], 'emb-large'],
    ['applicationName', ['POSTGRES_APPLICATION_NAME'], 'zava-mcp'],
  ] as const) {
    for (const name of names) {
      it(`${name} feeds ${setting}`, async () => {
        const loaded = await loadConfig({ env: { [name]: value }, cwd });
        const got = loaded.config[setting as keyof typeof loaded.config];
        expect(
          typeof got === 'object' && got !== null ? (got as { reveal(): string }).reveal() : String(got),
        ).toBe(value);
        expect(loaded.sources[setting]).toEqual({ kind: 'env', name });
      });
    }
  }

  it('says which alias won when both differ', async () => {
    const loaded = await loadConfig({ env: { POSTGRES_HOST: 'a', POSTGRES_DB_HOST: 'b' }, cwd });
    expect(loaded.config.postgresHost).toBe('a');
    expect(loaded.findings).toContainEqual(
      expect.objectContaining({ level: 'warning', message: expect.stringContaining('POSTGRES_HOST won') }),
    );
  });

  it('builds the database target from POSTGRES_* parts, without the password in its description', async () => {
    const loaded = await loadConfig({
      env: {
        POSTGRES_DB_HOST: 'db',
        POSTGRES_DB_PORT: '5433',
        POSTGRES_USER: 'app',
        POSTGRES_PASSWORD: 'p@ss:w/rd',
      },
      cwd,
    });
    const target = resolveDatabaseTarget(loaded.config);
    expect(target.kind).toBe('server');
    if (target.kind !== 'server') return;
    expect(new URL(target.url.reveal()).password).toBe(encodeURIComponent('p@ss:w/rd'));
    expect(String(target.url)).toBe('***');
    expect(target.port).toBe(5433);
  });

  it('falls back to the embedded database with nothing configured', async () => {
    const loaded = await loadConfig({ env: { MCPOPS_EMBEDDED_DIR: '/tmp/x' }, cwd });
    expect(resolveDatabaseTarget(loaded.config)).toEqual({ kind: 'embedded', dir: '/tmp/x' });
  });
});

describe('secret references', () => {
  it('resolves env:, file: and keyvault: references and keeps the reference printable', async () => {
    const file = join(cwd, 'pw');
    await writeFile(file, 'from-file-secret\n');
    const loaded = await loadConfig({
      env: {
        POSTGRES_PASSWORD: `file:${file}`,
        AZURE_OPENAI_API_KEY: 'env:REAL_KEY',
        REAL_KEY: 'from-env-secret',
        AZURE_STORAGE_KEY: 'keyvault:storage-key',
        AZURE_KEY_VAULT_URL: 'https://vault.example.net',
      },
      cwd,
      fetchKeyVaultSecret: async (url, name) => `${name}@${new URL(url).hostname}`,
    });
    expect(loaded.findings.filter((f) => f.level === 'error')).toEqual([]);
    expect(loaded.config.postgresPassword?.reveal()).toBe('from-file-secret');
    expect(loaded.config.azureOpenaiApiKey?.reveal()).toBe('from-env-secret');
    expect(loaded.config.azureStorageKey?.reveal()).toBe('storage-key@vault.example.net');
    expect(loaded.config.azureStorageKey?.reference).toBe('keyvault:storage-key');
  });

  const failing: Array<[string, Record<string, string>, RegExp]> = [
    [
      'missing file',
      { POSTGRES_PASSWORD: 'file:/nonexistent/secret' },
      /file:\/nonexistent\/secret cannot be read \(ENOENT\)/,
    ],
    [
      'unset env',
      { POSTGRES_PASSWORD: 'env:NOPE_NOT_SET' },
      /env:NOPE_NOT_SET points at an unset environment variable/,
    ],
    [
      'keyvault without a vault',
      { POSTGRES_PASSWORD: 'keyvault:pg' },
      /keyvault:pg needs AZURE_KEY_VAULT_URL/,
    ],
  ];
  for (const [name, env, pattern] of failing) {
    it(`a failed reference (${name}) is a config error naming the reference`, async () => {
      const loaded = await loadConfig({ env, cwd });
      const error = loaded.findings.find((f) => f.level === 'error');
      expect(error?.message).toMatch(pattern);
      expect(() => assertConfigValid(loaded)).toThrow(ConfigError);
    });
  }

  it('a Key Vault failure names the reference, never a value', async () => {
    const loaded = await loadConfig({
      env: { POSTGRES_PASSWORD: 'keyvault:pg-password', AZURE_KEY_VAULT_URL: 'https://vault.example.net' },
      cwd,
      fetchKeyVaultSecret: async () => {
        throw new Error('SecretNotFound: pg-password was not found');
      },
    });
    const error = loaded.findings.find((f) => f.level === 'error');
    expect(error?.message).toContain('keyvault:pg-password could not be read from Key Vault');
  });

  it('hides secrets in String(), JSON and inspect', async () => {
    const loaded = await loadConfig({
      env: { POSTGRES_PASSWORD: 'hunter2-secret', DATABASE_URL: 'postgres://u:pw-secret@h/d' },
      cwd,
    });
    const dump = [
      String(loaded.config.postgresPassword),
      JSON.stringify(loaded.config),
      inspect(loaded.config, { depth: 5 }),
    ].join('\n');
    expect(dump).not.toContain('hunter2-secret');
    expect(dump).not.toContain('pw-secret');
  });
});

describe('bad input', () => {
  it('rejects unknown config-file keys', async () => {
    await writeFile(join(cwd, 'mcpops.config.json'), JSON.stringify({ httpPort: 1, databseUrl: 'x' }));
    await expect(loadConfig({ env: {}, cwd })).rejects.toThrow(/unknown setting: databseUrl/);
  });

  it('rejects a config file that is not JSON, with the parser position', async () => {
    await writeFile(join(cwd, 'bad.json'), '{ "httpPort": 1,, }');
    await expect(loadConfig({ env: {}, cwd, configFile: 'bad.json' })).rejects.toThrow(/is not valid JSON/);
  });

  it('rejects a missing --config and --env-file', async () => {
    await expect(loadConfig({ env: {}, cwd, configFile: 'nope.json' })).rejects.toThrow(
      /cannot be read \(ENOENT\)/,
    );
    await expect(loadConfig({ env: {}, cwd, envFile: 'nope.env' })).rejects.toThrow(
      /env file .* cannot be read \(ENOENT\)/,
    );
  });

  it('rejects an unreadable .env', async () => {
    if (process.getuid?.() === 0) {
      // root reads any file: a directory named .env is unreadable as a file for everyone.
      const { mkdir } = await import('node:fs/promises');
      await mkdir(join(cwd, '.env'));
    } else {
      await writeFile(join(cwd, '.env'), 'A=1');
      await chmod(join(cwd, '.env'), 0);
    }
    await expect(loadConfig({ env: {}, cwd })).rejects.toThrow(/env file .*\.env cannot be read/);
  });

  const invalid: Array<[string, Record<string, string>, RegExp]> = [
    ['port out of range', { POSTGRES_PORT: '70000' }, /postgresPort from env POSTGRES_PORT is invalid/],
    ['port not a number', { MCPOPS_HTTP_PORT: 'eighty' }, /httpPort from env MCPOPS_HTTP_PORT is invalid/],
    ['unknown profile', { MCPOPS_PROFILE: 'staging' }, /profile from env MCPOPS_PROFILE is invalid/],
    [
      'malformed database URL',
      { DATABASE_URL: 'postgres://user:secretpw@[bad' },
      /databaseUrl is not a valid URL/,
    ],
    ['wrong URL scheme', { DATABASE_URL: 'mysql://u@h/d' }, /must start with postgres:\/\//],
    [
      'pool min above max',
      { MCPOPS_POOL_MIN: '9', MCPOPS_POOL_MAX: '3' },
      /poolMin \(9\) is larger than poolMax \(3\)/,
    ],
  ];
  for (const [name, env, pattern] of invalid) {
    it(`${name} is an error finding`, async () => {
      const loaded = await loadConfig({ env, cwd });
      const errors = loaded.findings.filter((f) => f.level === 'error');
      expect(errors.map((e) => e.message).join('\n')).toMatch(pattern);
      expect(errors.map((e) => e.message).join('\n')).not.toContain('secretpw');
    });
  }
});

describe('profile rules', () => {
  it('prod requires a database, auth, TLS off-loopback and no plain .env secrets', async () => {
    await writeFile(join(cwd, '.env'), 'POSTGRES_PASSWORD=plain-in-dotenv\nDEV_ENCRYPTION_KEY=abc123abc\n');
    const loaded = await loadConfig({ env: { MCPOPS_PROFILE: 'prod' }, cwd });
    const messages = loaded.findings.filter((f) => f.level === 'error').map((f) => f.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining('needs a PostgreSQL server'),
        expect.stringContaining('requires HTTP authentication'),
        expect.stringContaining('postgresPassword is a plain secret'),
        expect.stringContaining('DEV_ENCRYPTION_KEY is for the dev profile only'),
      ]),
    );
    const remote = await loadConfig({
      env: {
        MCPOPS_PROFILE: 'prod',
        DATABASE_URL: 'postgres://u@db.example/zava',
        MCPOPS_AUTH: 'jwt',
        MCPOPS_JWKS_URL: 'https://id.example/jwks',
      },
      cwd: await mkdtemp(join(tmpdir(), 'mcpops-')),
    });
    expect(remote.findings.map((f) => f.message)).toEqual([
      expect.stringContaining('TLS to db.example is not required'),
    ]);
    const good = await loadConfig({
      env: {
        MCPOPS_PROFILE: 'prod',
        DATABASE_URL: 'postgres://u@db.example/zava?sslmode=require',
        MCPOPS_AUTH: 'jwt',
        MCPOPS_JWKS_URL: 'https://id.example/jwks',
      },
      cwd: await mkdtemp(join(tmpdir(), 'mcpops-')),
    });
    expect(good.findings).toEqual([]);
  });

  it('dev turns the same TLS rule into a warning and allows the embedded database', async () => {
    const loaded = await loadConfig({ env: { DATABASE_URL: 'postgres://u@db.example/zava' }, cwd });
    expect(loaded.findings).toEqual([
      expect.objectContaining({ level: 'warning', setting: 'postgresSslMode' }),
    ]);
  });
});

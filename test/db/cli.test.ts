import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../support/cli.js';
import { adminUrl, createTestDatabase, type TestDatabase } from '../support/database.js';

// Run `npm run build` first: these tests spawn the built CLI.
let cwd: string;
const created: string[] = [];
const env = () => ({ HOME: cwd, MCPOPS_EMBEDDED_DIR: join(cwd, 'embedded') });

beforeAll(() => {
  cwd = mkdtempSync(join(tmpdir(), 'mcpops-db-cli-'));
});

afterAll(async () => {
  const root = new pg.Client({ connectionString: adminUrl('postgres') });
  await root.connect();
  for (const name of created)
    await root.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => {});
  await root.end();
  rmSync(cwd, { recursive: true, force: true });
});

describe('mcpops db init', () => {
  test('creates a missing database, builds it with the sample, then reports nothing to do', async () => {
    const name = `mcpops_cli_${randomBytes(4).toString('hex')}`;
    created.push(name);
    const url = adminUrl(name);
    const first = await runCli(['db', 'init', '--sample-data', '--scale', 'tiny', '--database-url', url], {
      cwd,
      env: env(),
    });
    expect(first.stderr).toContain(`created database ${name}`);
    expect(first.stdout).toMatch(/db init on .*: \d+ change\(s\)/);
    expect(first.stdout).toContain('retail.orders');
    expect(first.stdout).not.toContain('postgres://postgres@127.0.0.1:5432/postgres');
    expect(first.code).toBe(0);

    const second = await runCli(
      ['db', 'init', '--sample-data', '--scale', 'tiny', '--database-url', url, '--json'],
      { cwd, env: env() },
    );
    expect(second.code).toBe(0);
    const report = second.json();
    expect(report).toMatchObject({
      ok: true,
      changed: false,
      actions: [],
      sampleLoaded: false,
      vectorAvailable: false,
    });
    expect(report.rowCounts.customers).toBe(200);
    expect(report.notes).toContain('sample data already present; nothing loaded');
  });

  test('--embedded builds the embedded database on first use, then has nothing to do', async () => {
    const dir = join(cwd, 'embedded-cli');
    const first = await runCli(
      ['db', 'init', '--embedded', '--embedded-dir', dir, '--scale', 'tiny', '--json'],
      {
        cwd,
        env: env(),
        timeoutMs: 120_000,
      },
    );
    expect(first.code).toBe(0);
    expect(first.json()).toMatchObject({ ok: true, changed: true, vectorAvailable: true });
    expect(first.json().actions[0]).toBe('created the embedded database (tiny sample)');
    expect(first.json().rowCounts.customers).toBe(200);
    const second = await runCli(['db', 'init', '--embedded', '--embedded-dir', dir, '--json'], {
      cwd,
      env: env(),
      timeoutMs: 120_000,
    });
    expect(second.code).toBe(0);
    expect(second.json()).toMatchObject({ changed: false, actions: [] });
  }, 180_000);

  describe('on a foreign retail schema', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase('mcpops_cli');
      await db.admin.query('CREATE SCHEMA retail; CREATE TABLE retail.legacy (id int)');
    });
    afterAll(() => db?.drop());

    test('refuses with exit 2 and names --force', async () => {
      const result = await runCli(['db', 'init', '--database-url', db.url], { cwd, env: env() });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        'mcpops: the retail schema already holds 1 tables, indexes or sequences that mcpops did not create',
      );
      expect(result.stderr).toContain('--force');
      const json = await runCli(['db', 'init', '--database-url', db.url, '--json'], { cwd, env: env() });
      expect(json.code).toBe(2);
      expect(json.json()).toMatchObject({ ok: false, error: { code: 'retail_schema_foreign' } });
    });
  });

  test.each([
    [['--database-url', 'not a url'], 78, 'mcpops: databaseUrl is not a valid URL'],
    [['--database-url', 'postgres://postgres@127.0.0.1:1/zava'], 69, 'mcpops: cannot connect to'],
    [
      ['--scale', 'huge', '--database-url', adminUrl('x')],
      64,
      'mcpops: --scale must be one of tiny, small, medium, full (got "huge")',
    ],
    [
      ['--embedded', '--database-url', adminUrl('x')],
      64,
      'mcpops: --embedded and --database-url exclude each other',
    ],
  ])('bad input %j exits %i with one clear line', async (args, code, message) => {
    const result = await runCli(['db', 'init', ...args], { cwd, env: env() });
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(result.stdout).toBe('');
  });
});

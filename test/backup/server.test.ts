import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.js';
import { Secret } from '../../src/config/secret.js';
import { ExitCode, UnavailableError } from '../../src/errors.js';
import { backupServer } from '../../src/ops/backup/backup.js';
import { listBackups, runBackup, type runRestore, verifyBackupById } from '../../src/ops/backup/index.js';
import { openFolderStore } from '../../src/ops/backup/store-folder.js';
import { CLI, runCli } from '../support/cli.js';
import { adminUrl, createTestDatabase, type TestDatabase } from '../support/database.js';
import { configFor, databaseExists, dropDatabase, restoreInto, tableChecksums } from './helpers.js';

let db: TestDatabase;
let dir: string;
let config: Config;
const created: string[] = [];
const backup = (extra: Partial<Parameters<typeof runBackup>[1]> = {}) =>
  runBackup(config, { target: dir, compression: 'zstd', jobs: 2, retention: {}, ...extra });
const restoreTo = (name: string, id = 'latest', extra: Partial<Parameters<typeof runRestore>[1]> = {}) => {
  created.push(name);
  return restoreInto(config, dir, name, {
    id,
    ...extra,
  });
};

beforeAll(async () => {
  db = await createTestDatabase('mcpops_backup');
  dir = await mkdtemp(join(tmpdir(), 'mcpops-backup-'));
  config = await configFor({ DATABASE_URL: db.url });
  await db.admin.query(`
    CREATE SCHEMA shop;
    CREATE TABLE shop.customers (id serial PRIMARY KEY, name text NOT NULL, tags text[], joined timestamptz DEFAULT now());
    CREATE TABLE shop.orders (id bigserial PRIMARY KEY, customer_id int NOT NULL REFERENCES shop.customers(id), amount numeric(10,2), note text);
    CREATE TABLE public."Odd name" ("weird col" text, n int);
    CREATE INDEX ON shop.orders (customer_id);
    ALTER TABLE shop.orders ENABLE ROW LEVEL SECURITY;
    CREATE POLICY everyone ON shop.orders USING (true);
    INSERT INTO shop.customers (name, tags) SELECT 'customer ' || g, ARRAY['a', 'b' || g] FROM generate_series(1, 3000) g;
    INSERT INTO shop.orders (customer_id, amount, note) SELECT (g % 3000) + 1, g / 7.0, CASE WHEN g % 5 = 0 THEN NULL ELSE E'tab\\there ' || g END FROM generate_series(1, 20000) g;
    INSERT INTO public."Odd name" SELECT 'x' || g, g FROM generate_series(1, 50) g;
    -- Values that look like COPY's end-of-data line once escaped, and an empty table.
    INSERT INTO public."Odd name" VALUES ('\\.', -1), (E'a\n\\.\nb', -2), (NULL, NULL);
    CREATE TABLE public.empty (x int);
  `);
});

afterAll(async () => {
  for (const name of created) await dropDatabase(name).catch(() => {});
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('backup and restore on a PostgreSQL server (folder target)', () => {
  let fullId = '';
  let incrementalId = '';

  it('a full backup restores into a new database with equal row counts and checksums', async () => {
    const run = await backup();
    const m = run.manifest!;
    fullId = m.id;
    expect(m.id).toMatch(/^zava_backup_full_\d{8}_\d{6}$/);
    expect(m.type).toBe('full');
    expect(m.serverMajor).toBe(15);
    expect(m.objects.map((o) => o.kind).sort()).toEqual([
      'post-data',
      'pre-data',
      'table-data',
      'table-data',
      'table-data',
      'table-data',
    ]);
    expect(m.tables.find((t) => t.name === 'public.Odd name')?.rows).toBe(53);
    expect(m.tables.find((t) => t.name === 'public.empty')?.rows).toBe(0);
    expect(m.tables.find((t) => t.name === 'shop.orders')?.rows).toBe(20000);
    expect(JSON.stringify(m)).not.toMatch(/password|secret/i);
    const name = `${db.name}_r1`;
    const report = await restoreTo(name);
    expect(report.ok).toBe(true);
    expect(await tableChecksums(adminUrl(name))).toEqual(await tableChecksums(db.url));
  });

  it('an incremental after changing one table uploads only that table and the manifest', async () => {
    await db.admin.query("UPDATE shop.customers SET name = name || '!' WHERE id = 7");
    const before = new Set(await listFiles(dir));
    const run = await backup();
    const m = run.manifest!;
    incrementalId = m.id;
    expect(m.type).toBe('incremental');
    expect(m.previous).toBe(fullId);
    const fresh = m.objects.filter((o) => o.uploadedBy === m.id);
    expect(fresh.map((o) => o.table)).toEqual(['shop.customers']);
    expect(m.totals.uploadedObjects).toBe(1);
    const added = (await listFiles(dir)).filter((f) => !before.has(f));
    expect(added.sort()).toEqual([fresh[0].key, `manifests/${m.id}.json`].sort());
    expect(run.dedupRatio).toBeGreaterThan(0.5);
  });

  it('--type full uploads every object anew', async () => {
    const run = await backup({ type: 'full' });
    expect(run.manifest!.objects.every((o) => o.uploadedBy === run.manifest!.id)).toBe(true);
  });

  it('retention keeps what a kept backup needs: delete the older full, restore the incremental', async () => {
    const listing = await listBackups(config, dir);
    expect(listing.backups.map((b) => b.id)).toContain(incrementalId);
    const dry = await backup({ retention: { keepLast: 1 }, dryRun: true });
    expect(dry.retention?.dryRun).toBe(true);
    expect((await listBackups(config, dir)).backups).toHaveLength(3);
    // Keep the incremental and the newest (delete only the first full).
    const fullManifest = join(dir, 'manifests', `${fullId}.json`);
    const { applyRetention } = await import('../../src/ops/backup/retention.js');
    const store = await openFolderStore(dir, {});
    const plan = await applyRetention(store, { keepLast: 2 });
    expect(plan.remove).toEqual([fullId]);
    await expect(readFile(fullManifest)).rejects.toThrow();
    const name = `${db.name}_r2`;
    const report = await restoreTo(name, incrementalId);
    expect(report.ok).toBe(true);
    expect(await tableChecksums(adminUrl(name))).toEqual(await tableChecksums(db.url));
  });

  it('verify finds an altered and a truncated object; restore refuses before touching the target', async () => {
    const id = (await backup({ type: 'full' })).manifest!;
    const orders = id.objects.find((o) => o.table === 'shop.orders')!;
    const customers = id.objects.find((o) => o.table === 'shop.customers')!;
    const ordersPath = join(dir, ...orders.key.split('/'));
    const original = await readFile(ordersPath);
    const altered = Buffer.from(original);
    altered[altered.length >> 1] ^= 0xff;
    await writeFile(ordersPath, altered);
    await truncate(join(dir, ...customers.key.split('/')), Math.floor(customers.storedSize / 2));
    const report = await verifyBackupById(config, { target: dir, id: id.id });
    expect(report.ok).toBe(false);
    const problems = report.objects.filter((o) => !o.ok).map((o) => o.problem);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/SHA-256 \(altered\)/),
        expect.stringMatching(/has \d+ bytes, the manifest says/),
      ]),
    );
    const name = `${db.name}_r3`;
    const cli = await runCli(
      ['restore', id.id, '--from', dir, '--target', adminUrl(name), '--create', '--json'],
      {
        env: { DATABASE_URL: db.url },
      },
    );
    expect(cli.code).toBe(ExitCode.failure);
    expect(cli.json().error.message).toMatch(/^verify: 2 object\(s\) failed, nothing was restored/);
    expect(await databaseExists(name)).toBe(false);
    const verify = await runCli(['backup', 'verify', id.id, '--target', dir], {
      env: { DATABASE_URL: db.url },
    });
    expect(verify.code).toBe(ExitCode.failure);
    expect(verify.stderr).toMatch(/FAILED object objects\/.* \(shop.orders\) does not match its SHA-256/);
    await writeFile(ordersPath, original);
  });

  it('refuses a non-empty target without --yes --clean (exit 64), replaces it with them', async () => {
    const base = ['restore', incrementalId, '--from', dir, '--target', db.url];
    const refused = await runCli(base, { env: { DATABASE_URL: db.url } });
    expect(refused.code).toBe(ExitCode.usage);
    expect(refused.stderr).toMatch(/is not empty: drop and re-create it/);
    expect(refused.stderr).toMatch(/fix: .*--yes --clean/);
    const name = `${db.name}_r4`;
    created.push(name);
    await restoreInto(config, dir, name, {
      id: incrementalId,
      jobs: 1,
    });
    const yes = await runCli(
      ['restore', incrementalId, '--from', dir, '--target', adminUrl(name), '--yes', '--clean', '--json'],
      {
        env: { DATABASE_URL: db.url },
      },
    );
    expect(yes.code).toBe(0);
    expect(yes.json().restore.tables.every((t: { ok: boolean }) => t.ok)).toBe(true);
  });

  it('--tables restores a subset; an unknown table is a usage error', async () => {
    const name = `${db.name}_r5`;
    const report = await restoreTo(name, incrementalId, { tables: ['shop.customers'] });
    expect(report.tables.map((t) => t.name)).toEqual(['shop.customers']);
    expect(report.ok).toBe(true);
    await expect(restoreTo(`${db.name}_r6`, incrementalId, { tables: ['shop.nope'] })).rejects.toThrow(
      /has no table shop.nope/,
    );
  });

  it('restore --list shows the contents without restoring', async () => {
    const cli = await runCli(['restore', incrementalId, '--from', dir, '--list', '--json']);
    expect(cli.code, cli.stderr + cli.stdout.slice(0, 500)).toBe(0);
    expect(
      cli
        .json()
        .backup.tables.map((t: { name: string }) => t.name)
        .sort(),
    ).toEqual(['public.Odd name', 'public.empty', 'shop.customers', 'shop.orders']);
  });
});

describe('failure paths', () => {
  it('a missing or too old pg_dump gives the install hint (exit 78)', async () => {
    const bin = await mkdtemp(join(tmpdir(), 'mcpops-pgbin-'));
    try {
      const missing = await runCli(['backup', '--target', join(bin, 'out'), '--pg-bin', bin], {
        env: { DATABASE_URL: db.url },
      });
      expect(missing.code).toBe(ExitCode.config);
      expect(missing.stderr).toMatch(/pg_dump was not found in /);
      expect(missing.stderr).toMatch(/apt-get install postgresql-client-15/);
      for (const tool of ['pg_dump', 'psql']) {
        await writeFile(join(bin, tool), '#!/bin/sh\necho "pg_dump (PostgreSQL) 13.9"\n');
        await chmod(join(bin, tool), 0o755);
      }
      const old = await runCli(['backup', '--target', join(bin, 'out'), '--pg-bin', bin, '--json'], {
        env: { DATABASE_URL: db.url },
      });
      expect(old.code).toBe(ExitCode.config);
      expect(old.json().error).toMatchObject({ code: 'pg_dump_too_old' });
      expect(old.json().error.message).toMatch(
        /pg_dump 13.9 in .* is older than the server \(PostgreSQL 15\)/,
      );
      expect(old.json().error.suggestion).toMatch(/apt-get install postgresql-client-15/);
      expect((await listFiles(join(bin, 'out'))).filter((f) => f.startsWith('manifests/'))).toEqual([]);
    } finally {
      await rm(bin, { recursive: true, force: true });
    }
  });

  it('an unreachable database is exit 69; a bad flag is exit 64', async () => {
    const down = await runCli(['backup', '--target', dir, '--json'], {
      env: { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x' },
    });
    expect(down.code).toBe(ExitCode.unavailable);
    const bad = await runCli(['backup', '--target', dir, '--jobs', '0'], { env: { DATABASE_URL: db.url } });
    expect(bad.code).toBe(ExitCode.usage);
    expect(bad.stderr).toMatch(/--jobs must be a whole number from 1 to 64 \(got "0"\)/);
  });

  it('a failed upload names the step, keeps the exit code and leaves no backup', async () => {
    const target = await mkdtemp(join(tmpdir(), 'mcpops-upload-fail-'));
    try {
      const folder = await openFolderStore(target, {});
      // Storage that drops the connection half-way through the first table upload.
      const flaky = {
        ...folder,
        async write(key: string, source: Readable, signal?: AbortSignal) {
          if (!key.includes('/table-')) return folder.write(key, source, signal);
          for await (const _chunk of source) break;
          throw new UnavailableError('Blob Storage is unreachable (test): ECONNRESET', {
            code: 'backup_storage_unreachable',
          });
        },
      };
      const error = await backupServer({
        store: flaky,
        url: new Secret(db.url),
        database: db.name,
        where: db.name,
        compression: { algorithm: 'zstd' },
        jobs: 2,
      }).catch((e) => e);
      expect(error.message).toMatch(/^upload \((shop\.\w+|public\.\S+)\): Blob Storage is unreachable/);
      expect(error.exitCode).toBe(ExitCode.unavailable);
      const left = await listFiles(target);
      expect(left.filter((f) => f.startsWith('manifests/') || f.startsWith('objects/'))).toEqual([]);
    } finally {
      await rm(target, { recursive: true, force: true });
    }
  });

  it('Ctrl-C mid-way removes what the run wrote and exits 130', async () => {
    const target = await mkdtemp(join(tmpdir(), 'mcpops-sigint-'));
    try {
      await db.admin.query(
        'CREATE TABLE public.big2 AS SELECT g AS id, repeat(md5(g::text), 8) AS pad FROM generate_series(1, 200000) g',
      );
      const child = spawn(
        process.execPath,
        [CLI, 'backup', '--target', target, '--compression', 'none', '--jobs', '1', '--json'],
        {
          env: { PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true', DATABASE_URL: db.url },
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      );
      let stdout = '';
      child.stdout.on('data', (c) => {
        stdout += c;
      });
      const deadline = Date.now() + 30_000;
      while (
        Date.now() < deadline &&
        !(await listFiles(target)).some((f) => f.startsWith('objects/') && f.includes('.tmp-'))
      ) {
        await new Promise((r) => setTimeout(r, 20));
      }
      child.kill('SIGINT');
      const code = await new Promise((r) => child.once('exit', r));
      expect(code).toBe(ExitCode.interrupted);
      expect(JSON.parse(stdout).error.code).toBe('interrupted');
      expect(
        (await listFiles(target)).filter((f) => f.startsWith('objects/') || f.startsWith('manifests/')),
      ).toEqual([]);
    } finally {
      await db.admin.query('DROP TABLE IF EXISTS public.big2');
      await rm(target, { recursive: true, force: true });
    }
  });

  it('a run killed mid-way leaves no visible backup; the next run succeeds and removes the orphans', async () => {
    const target = await mkdtemp(join(tmpdir(), 'mcpops-killed-'));
    try {
      // Enough rows that the dump is still streaming when the process is killed.
      await db.admin.query(
        'CREATE TABLE public.big AS SELECT g AS id, repeat(md5(g::text), 8) AS pad FROM generate_series(1, 200000) g',
      );
      const child = spawn(
        process.execPath,
        [CLI, 'backup', '--target', target, '--compression', 'none', '--jobs', '1'],
        {
          env: { PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true', DATABASE_URL: db.url },
          stdio: 'ignore',
        },
      );
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const files = await listFiles(target);
        if (files.some((f) => f.startsWith('objects/') && f.includes('.tmp-'))) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const leftovers = await listFiles(target);
      expect(leftovers.some((f) => f.startsWith('objects/'))).toBe(true);
      expect(leftovers.filter((f) => f.startsWith('manifests/'))).toEqual([]);
      const list = await runCli(['backup', 'list', '--target', target, '--json']);
      expect(list.json().backups).toEqual([]);
      const next = await runCli(['backup', '--target', target, '--json'], { env: { DATABASE_URL: db.url } });
      expect(next.code).toBe(0);
      const result = next.json();
      expect(result.orphansRemoved).toBeGreaterThan(0);
      const referenced = new Set(
        JSON.parse(await readFile(join(target, 'manifests', `${result.backup.id}.json`), 'utf8')).objects.map(
          (o: { key: string }) => o.key,
        ),
      );
      const objects = (await listFiles(target)).filter((f) => f.startsWith('objects/'));
      expect(objects.every((f) => referenced.has(f))).toBe(true);
    } finally {
      await db.admin.query('DROP TABLE IF EXISTS public.big');
      await rm(target, { recursive: true, force: true });
    }
  });
});

async function listFiles(root: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(root, prefix), { withFileTypes: true }).catch(() => [])) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(root, rel)));
    else out.push(rel);
  }
  return out;
}

import { type ChildProcess, spawn } from 'node:child_process';
import { watch } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { listBackups, verifyBackupById } from '../../src/ops/backup/index.js';
import { measureBackupTarget } from '../../src/ops/cost/measure-backups.js';
import { runOne } from '../health/support.js';
import { type Azurite, startAzurite } from '../support/azurite.js';
import { CLI, runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { configFor } from './helpers.js';

let db: TestDatabase;
let azurite: Azurite | undefined;
let folder: string;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A backup target as the test sees it: the keys stored there and how to read one. */
interface Target {
  name: string;
  target: string;
  env: Record<string, string>;
  keys(): Promise<string[]>;
  read(key: string): Promise<string>;
}

function folderTarget(dir: string): Target {
  return {
    name: 'folder',
    target: dir,
    env: {},
    async keys() {
      const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
      return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
    },
    read: (key) => readFile(join(dir, key), 'utf8'),
  };
}

function azureTarget(connectionString: string): Target {
  const container = BlobServiceClient.fromConnectionString(connectionString).getContainerClient('faults');
  return {
    name: 'Azurite',
    target: 'azure://faults/zava',
    env: { AZURE_STORAGE_CONNECTION_STRING: connectionString },
    async keys() {
      const out: string[] = [];
      if (!(await container.exists())) return out;
      for await (const blob of container.listBlobsFlat({ prefix: 'zava/' })) out.push(blob.name.slice(5));
      return out;
    },
    read: async (key) => (await container.getBlobClient(`zava/${key}`).downloadToBuffer()).toString(),
  };
}

function startBackup(t: Target, extra: string[] = []): ChildProcess {
  return spawn(
    process.execPath,
    [CLI, 'backup', '--target', t.target, '--compression', 'none', '--jobs', '1', ...extra],
    {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true', DATABASE_URL: db.url, ...t.env },
      stdio: 'ignore',
    },
  );
}

/**
 * Kills the run once `ready` holds for the stored keys. On a folder the manifest's temp file is
 * watched for (all objects stored, the manifest not yet visible): polling would miss that moment.
 */
async function killWhen(
  child: ChildProcess,
  t: Target,
  ready: (keys: string[]) => boolean,
  manifestTemp = false,
): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  if (manifestTemp && t.name === 'folder') {
    await mkdir(join(folder, 'manifests'), { recursive: true });
    const seen = new Promise<void>((resolve) => {
      const watcher = watch(join(folder, 'manifests'), (_, file) => {
        if (file?.includes('.tmp-')) {
          child.kill('SIGSTOP');
          watcher.close();
          resolve();
        }
      });
    });
    await Promise.race([seen, exited]);
  }
  const deadline = Date.now() + 30_000;
  while (!manifestTemp && Date.now() < deadline && child.exitCode === null) {
    if (ready(await t.keys())) break;
    await sleep(15);
  }
  expect(child.exitCode, 'the backup ended before the kill point').toBeNull();
  child.kill('SIGKILL');
  await exited;
}

/** What `backup list` shows (read in this process through the same code; the kills are real processes). */
async function listedIds(t: Target): Promise<string[]> {
  const listing = await listBackups(await configFor(t.env), t.target);
  expect(listing.skipped).toEqual([]);
  return listing.backups.map((b) => b.id);
}

/** Every listed backup verifies (each object there, whole, with its SHA-256), as `backup verify` checks. */
async function everyListedVerifies(t: Target): Promise<string[]> {
  const config = await configFor(t.env);
  const ids = await listedIds(t);
  for (const id of ids) {
    const report = await verifyBackupById(config, { target: t.target, id, jobs: 3 });
    expect(report.ok, `${id}: ${JSON.stringify(report.objects.filter((o) => !o.ok))}`).toBe(true);
  }
  return ids;
}

/** After a good run: every stored object belongs to a listed backup; no temp file, no lease left. */
async function noOrphans(t: Target): Promise<void> {
  const keys = await t.keys();
  const referenced = new Set<string>();
  for (const key of keys.filter((k) => k.startsWith('manifests/'))) {
    for (const o of JSON.parse(await t.read(key)).objects) referenced.add(o.key);
  }
  expect(keys.filter((k) => k.startsWith('objects/') && !referenced.has(k))).toEqual([]);
  expect(keys.filter((k) => k.includes('.tmp-') || k.startsWith('runs/'))).toEqual([]);
}

/** A run holds the lease and has marked itself (the marker follows the lease). */
const hasRunMarker = (keys: string[]) => keys.some((k) => k.startsWith('runs/') && !k.includes('.tmp-'));

async function backupNow(t: Target, extra: string[] = []) {
  return runCli(['backup', '--target', t.target, '--json', ...extra], {
    env: { DATABASE_URL: db.url, ...t.env },
    timeoutMs: 90_000,
  });
}

/**
 * The fault suite on one kind of target: kill -9 at three points, overlapping runs, a busy
 * target. Each test file runs it on one kind, so each stays within a minute.
 */
export function faultSuite(kind: 'folder' | 'azure'): void {
  beforeAll(async () => {
    [db, azurite] = await Promise.all([
      createTestDatabase('mcpops_backup_faults'),
      kind === 'azure' ? startAzurite() : undefined,
    ]);
    folder = await mkdtemp(join(tmpdir(), 'mcpops-backup-faults-'));
    // Enough rows that a dump is still streaming when a kill lands.
    await db.admin.query(`
    CREATE TABLE small (id int PRIMARY KEY, v text);
    INSERT INTO small SELECT g, 'v' || g FROM generate_series(1, 1000) g;
    CREATE TABLE big AS SELECT g AS id, repeat(md5(g::text), 6) AS pad FROM generate_series(1, 50000) g;
  `);
  }, 60_000);

  afterAll(async () => {
    await db?.drop();
    await azurite?.stop();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  const target = () => (kind === 'azure' ? azureTarget(azurite!.connectionString) : folderTarget(folder));

  describe(`kill -9 of a backup on a ${kind} target, then the next one`, () => {
    const points: Array<[string, (before: Set<string>) => (keys: string[]) => boolean]> = [
      // The lease is taken and the run marked, no object of the run is stored yet.
      ['before objects', () => hasRunMarker],
      ['during objects', (before) => (keys) => keys.some((k) => k.startsWith('objects/') && !before.has(k))],
      ['after objects', (before) => (keys) => keys.some((k) => k.startsWith('manifests/') && !before.has(k))],
    ];
    it.each(points)(
      'killed %s: every listed backup verifies, none is half, the next run takes over',
      async (point, when) => {
        const t = target();
        await db.admin.query('UPDATE small SET v = v WHERE id = 1');
        const before = new Set(await t.keys());
        await killWhen(startBackup(t, ['--type', 'full']), t, when(before), point === 'after objects');
        // Listed now: the earlier backups and at most the killed one, if its manifest landed.
        const listed = await listedIds(t);
        const fresh = listed.filter((id) => !before.has(`manifests/${id}.json`));
        expect(fresh.length).toBeLessThanOrEqual(point === 'after objects' ? 1 : 0);
        const started = Date.now();
        const next = await backupNow(t, ['--wait', '60']);
        expect(next.code, next.stderr).toBe(0);
        // The dead holder's lease is taken over at once (same host, process gone).
        expect(Date.now() - started).toBeLessThan(20_000);
        const after = await everyListedVerifies(t);
        expect(after).toEqual([...listed, next.json().backup.id]);
        await noOrphans(t);
      },
    );
  });

  onlyFor('azure', kind)(
    'health and cost-estimate read the same target with the same credentials as backup',
    async () => {
      const t = target();
      const config = await configFor({ ...t.env, MCPOPS_BACKUP_TARGET: t.target });
      expect((await runOne(config, 'app.blob_storage')).status).toBe('OK');
      const measured = await measureBackupTarget(t.target, config);
      expect(measured.method).toBe('manifests');
      expect(measured.backups.map((b) => b.name)).toEqual(await listedIds(t));
    },
  );

  describe(`one writer per ${kind} target`, () => {
    it('two backups started 0–1.5 s apart both finish and every backup verifies', async () => {
      const t = target();
      await db.admin.query('UPDATE small SET v = v WHERE id = 2');
      const first = backupNow(t);
      await sleep(Math.random() * 1500);
      const second = backupNow(t);
      const [a, b] = await Promise.all([first, second]);
      expect(a.code, a.stderr).toBe(0);
      expect(b.code, b.stderr).toBe(0);
      expect(a.json().backup.id).not.toBe(b.json().backup.id);
      const ids = await everyListedVerifies(t);
      expect(ids).toEqual(expect.arrayContaining([a.json().backup.id, b.json().backup.id]));
      await noOrphans(t);
    });

    it('a second run that may not wait exits 69 with one line naming the holder', async () => {
      const t = target();
      const child = startBackup(t, ['--type', 'full']);
      const exited = new Promise((r) => child.once('exit', r));
      try {
        const deadline = Date.now() + 20_000;
        while (!hasRunMarker(await t.keys()) && Date.now() < deadline) await sleep(10);
        // Held still (its heartbeat too, well within the lease's lifetime) while the other run tries.
        child.kill('SIGSTOP');
        const busy = await runCli(['backup', '--target', t.target, '--wait', '0'], {
          env: { DATABASE_URL: db.url, ...t.env },
        });
        expect(busy.code).toBe(ExitCode.unavailable);
        expect(busy.stderr).toMatch(/is busy: a backup by \S+ pid \d+ since .* holds its lease/);
        expect(busy.stderr).not.toMatch(/\n\s+at /);
      } finally {
        child.kill('SIGCONT');
        await exited;
      }
    });

    onlyFor('folder', kind)(
      'a lease from another host is respected while its heartbeat is fresh and taken over once it stops',
      async () => {
        const t = target();
        const lease = join(folder, 'lease');
        const holder = { token: 'elsewhere', host: 'another-host', pid: 1, since: new Date().toISOString() };
        await writeFile(lease, JSON.stringify(holder));
        const busy = await backupNow(t, ['--wait', '1']);
        expect(busy.code).toBe(ExitCode.unavailable);
        expect(busy.json().error.message).toMatch(/is busy: a backup by another-host pid 1 since/);
        const old = new Date(Date.now() - 120_000);
        await utimes(lease, old, old);
        const next = await backupNow(t, ['--wait', '0']);
        expect(next.code, next.stderr).toBe(0);
        expect((await t.keys()).includes('lease')).toBe(false);
      },
    );
  });
}

/** A case that exists for one kind of target only: registered there, absent (not skipped) elsewhere. */
function onlyFor(
  wanted: string,
  kind: string,
): (name: string, fn: () => Promise<void>, timeout?: number) => void {
  return kind === wanted ? it : () => {};
}

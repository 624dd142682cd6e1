import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup, verifyBackupById } from '../../src/ops/backup/index.js';
import { listManifests } from '../../src/ops/backup/manifest.js';
import { cleanOrphans } from '../../src/ops/backup/retention.js';
import { openFolderStore } from '../../src/ops/backup/store-folder.js';
import { runCli } from '../support/cli.js';
import { adminUrl, createTestDatabase, type TestDatabase } from '../support/database.js';
import { configFor, dropDatabase, tableChecksums } from './helpers.js';

let db: TestDatabase;
let dir: string;
let env: Record<string, string>;
const created: string[] = [];
const garbage = 'manifests/zava_backup_full_20200101_000000.json';

async function cli(args: string[]) {
  const run = await runCli([...args, '--json'], { env });
  return { ...run, out: run.stdout ? run.json() : undefined };
}

async function files(sub: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(dir, sub), { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) out.push(join(entry.parentPath, entry.name).slice(dir.length + 1));
  }
  return out;
}

beforeAll(async () => {
  db = await createTestDatabase('mcpops_backup_cat');
  dir = await mkdtemp(join(tmpdir(), 'mcpops-backup-cat-'));
  env = { DATABASE_URL: db.url };
  await db.admin.query(`
    CREATE TABLE a (id int, v text);
    CREATE TABLE b (id int, v text);
    INSERT INTO a SELECT g, 'a' || g FROM generate_series(1, 2000) g;
    INSERT INTO b SELECT g, 'b' || g FROM generate_series(1, 2000) g;
  `);
});

afterAll(async () => {
  for (const name of created) await dropDatabase(name).catch(() => {});
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('one unreadable manifest among good ones', () => {
  it('is named once and skipped by list, new backups, verify latest, retention and restore latest', async () => {
    const first = await cli(['backup', '--target', dir]);
    expect(first.code, first.stderr).toBe(0);
    await writeFile(join(dir, garbage), '{"format": "mcpops-backup/1", "objects": [tru');

    const list = await cli(['backup', 'list', '--target', dir]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.out.backups.map((b: { id: string }) => b.id)).toEqual([first.out.backup.id]);
    expect(list.out.skipped.map((s: { key: string }) => s.key)).toEqual([garbage]);
    expect(list.stderr.match(/warning: skipped .*zava_backup_full_20200101_000000\.json/g)).toHaveLength(1);

    await db.admin.query("UPDATE a SET v = 'changed' WHERE id = 1");
    const second = await cli(['backup', '--target', dir, '--keep-last', '1']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.out.backup.type).toBe('incremental');
    expect(second.out.retention.remove).toEqual([first.out.backup.id]);
    expect(second.stderr).toMatch(/warning: skipped .*20200101_000000\.json/);

    const verify = await cli(['backup', 'verify', 'latest', '--target', dir]);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.out.verify.id).toBe(second.out.backup.id);

    // The retention kept the first backup's objects: the unreadable manifest might need them.
    const kept = await files('objects');
    expect(kept.some((key) => key.includes(first.out.backup.id))).toBe(true);

    const name = `${db.name}_r`;
    created.push(name);
    const restore = await cli(['restore', 'latest', '--from', dir, '--target', adminUrl(name), '--create']);
    expect(restore.code, restore.stderr).toBe(0);
    expect(await tableChecksums(adminUrl(name))).toEqual(await tableChecksums(db.url));
  });
});

describe('an incremental whose base lost objects', () => {
  it('uploads the missing objects again instead of pointing at them', async () => {
    await rm(join(dir, garbage));
    const full = await cli(['backup', '--target', dir, '--type', 'full']);
    expect(full.code, full.stderr).toBe(0);
    const listing = await cli(['backup', 'list', '--target', dir]);
    expect(listing.out.backups.at(-1).id).toBe(full.out.backup.id);
    await rm(join(dir, 'objects', full.out.backup.id), { recursive: true });

    const inc = await cli(['backup', '--target', dir]);
    expect(inc.code, inc.stderr).toBe(0);
    expect(inc.out.backup.type).toBe('incremental');
    expect(inc.out.backup.uploadedObjects).toBe(4);
    const verify = await cli(['backup', 'verify', inc.out.backup.id, '--target', dir]);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.out.verify.ok).toBe(true);
  });
});

describe('orphan cleanup beside a run that finishes', () => {
  it('keeps the objects of a run whose manifest landed after the cleanup began', async () => {
    const target = await mkdtemp(join(tmpdir(), 'mcpops-backup-race-'));
    try {
      const store = await openFolderStore(target, { create: true });
      // The cleanup's view of the catalog, taken while another run is still going…
      const early = await listManifests(store);
      const config = await configFor({ DATABASE_URL: db.url });
      // …which then finishes: manifest written, run marker removed.
      const run = await runBackup(config, { target, compression: 'zstd', jobs: 1, retention: {} });
      const removed = await cleanOrphans(store, early, new Date(Date.now() + 1000));
      expect(removed).toBe(0);
      const report = await verifyBackupById(config, { target, id: run.manifest!.id });
      expect(report.ok).toBe(true);
    } finally {
      await rm(target, { recursive: true, force: true });
    }
  });
});

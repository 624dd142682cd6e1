import { randomBytes } from 'node:crypto';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { type Azurite, startAzurite } from '../support/azurite.js';
import { runCli } from '../support/cli.js';
import { adminUrl, createTestDatabase, type TestDatabase } from '../support/database.js';
import { databaseExists, dropDatabase, tableChecksums } from './helpers.js';

let azurite: Azurite;
let db: TestDatabase;
const key = randomBytes(32).toString('base64');
const created: string[] = [];
const target = 'azure://database-backups/zava';
let env: Record<string, string>;

beforeAll(async () => {
  [azurite, db] = await Promise.all([startAzurite(), createTestDatabase('mcpops_backup_az')]);
  env = {
    DATABASE_URL: db.url,
    AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
    DEV_ENCRYPTION_KEY: key,
  };
  await db.admin.query(`
    CREATE TABLE items (id serial PRIMARY KEY, label text, price numeric(8,2));
    CREATE TABLE stock (item_id int REFERENCES items(id), qty int);
    INSERT INTO items (label, price) SELECT 'item ' || g, g * 0.5 FROM generate_series(1, 5000) g;
    INSERT INTO stock SELECT g, g % 17 FROM generate_series(1, 5000) g;
  `);
});

afterAll(async () => {
  for (const name of created) await dropDatabase(name).catch(() => {});
  await db?.drop();
  await azurite?.stop();
});

describe('backup to Azure Blob Storage (Azurite), encrypted', () => {
  it('the cron line works unattended and the restore proves the data whole', async () => {
    const run = await runCli(['backup', '--target', target, '--encrypt', '--keep-days', '30', '--json'], {
      env,
    });
    expect(run.code, run.stderr).toBe(0);
    const out = run.json();
    expect(out.backup).toMatchObject({ type: 'full', encrypted: true, tables: 2 });
    expect(out.retention).toMatchObject({ remove: [], dryRun: false });

    const blobs: string[] = [];
    const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(
      'database-backups',
    );
    for await (const blob of container.listBlobsFlat({ prefix: 'zava/' })) blobs.push(blob.name);
    expect(blobs).toContain(`zava/manifests/${out.backup.id}.json`);
    expect(blobs.filter((b) => b.endsWith('.enc'))).toHaveLength(4);
    const manifest = (
      await container.getBlobClient(`zava/manifests/${out.backup.id}.json`).downloadToBuffer()
    ).toString();
    expect(manifest).not.toContain(key);

    const name = `${db.name}_restored`;
    created.push(name);
    const restore = await runCli(
      ['restore', 'latest', '--from', target, '--target', adminUrl(name), '--create', '--yes', '--json'],
      { env },
    );
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.json().restore.ok).toBe(true);
    expect(await tableChecksums(adminUrl(name))).toEqual(await tableChecksums(db.url));

    const list = await runCli(['backup', 'list', '--target', target, '--json'], { env });
    expect(list.json().backups.map((b: { id: string }) => b.id)).toEqual([out.backup.id]);
  });

  it('an incremental uploads only the changed table', async () => {
    await db.admin.query('UPDATE stock SET qty = qty + 1 WHERE item_id = 3');
    const run = await runCli(['backup', '--target', target, '--encrypt', '--json'], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.json().backup).toMatchObject({ type: 'incremental', uploadedObjects: 1 });
  });

  it('a wrong key is refused before anything is restored (exit 78); no key at all too', async () => {
    const name = `${db.name}_wrongkey`;
    const wrong = await runCli(
      ['restore', 'latest', '--from', target, '--target', adminUrl(name), '--create', '--json'],
      {
        env: { ...env, DEV_ENCRYPTION_KEY: randomBytes(32).toString('hex') },
      },
    );
    expect(wrong.code).toBe(ExitCode.config);
    expect(wrong.json().error.message).toMatch(
      /was encrypted with key [0-9a-f]{16}, but the configured key is [0-9a-f]{16}/,
    );
    expect(await databaseExists(name)).toBe(false);
    const none = await runCli(['backup', 'verify', 'latest', '--target', target, '--json'], {
      env: { ...env, DEV_ENCRYPTION_KEY: undefined },
    });
    expect(none.code).toBe(ExitCode.config);
    expect(none.json().error.message).toMatch(/is encrypted \(key [0-9a-f]{16}\) and no key is configured/);
  });

  it('verify --deep restores into a scratch database and compares row counts', async () => {
    const deep = await runCli(['backup', 'verify', 'latest', '--target', target, '--deep', '--json'], {
      env,
    });
    expect(deep.code, deep.stderr).toBe(0);
    const report = deep.json().verify;
    expect(report.deep.tables.every((t: { ok: boolean }) => t.ok)).toBe(true);
    expect(await databaseExists(report.deep.database)).toBe(false);
  });

  it('unreachable storage is exit 69 and names the step', async () => {
    const down = await runCli(['backup', 'list', '--target', target, '--json'], {
      env: {
        ...env,
        AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString.replace(String(azurite.port), '1'),
      },
      timeoutMs: 60_000,
    });
    expect(down.code).toBe(ExitCode.unavailable);
    expect(down.json().error.message).toMatch(/Blob Storage is unreachable/);
  });
});

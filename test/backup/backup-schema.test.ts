import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.js';
import { runBackup } from '../../src/ops/backup/index.js';
import { adminUrl, createTestDatabase, type TestDatabase } from '../support/database.js';
import { configFor, dropDatabase, restoreInto, tableChecksums } from './helpers.js';

let db: TestDatabase;
let dir: string;
let config: Config;
const created: string[] = [];

const backup = () => runBackup(config, { target: dir, compression: 'zstd', jobs: 2, retention: {} });

/** Restores the newest backup into a new database and returns its checksums. */
async function restoredChecksums(suffix: string): Promise<Record<string, string>> {
  const name = `${db.name}_${suffix}`;
  created.push(name);
  const report = await restoreInto(config, dir, name);
  expect(report.ok).toBe(true);
  return tableChecksums(adminUrl(name));
}

beforeAll(async () => {
  db = await createTestDatabase('mcpops_backup_schema');
  dir = await mkdtemp(join(tmpdir(), 'mcpops-backup-schema-'));
  config = await configFor({ DATABASE_URL: db.url });
  await db.admin.query(`
    CREATE SCHEMA retail;
    CREATE TABLE retail.customers (id int PRIMARY KEY, name text, created_at timestamp DEFAULT now());
    CREATE TABLE retail.orders (id int PRIMARY KEY, amount int);
    CREATE TABLE retail.notes (id int, note text);
    CREATE TABLE retail.stock (id int, qty int);
    INSERT INTO retail.customers SELECT g, 'c' || g, '2024-05-01' FROM generate_series(1, 500) g;
    INSERT INTO retail.orders SELECT g, g FROM generate_series(1, 500) g;
    INSERT INTO retail.notes SELECT g, 'n' || g FROM generate_series(1, 200) g;
    INSERT INTO retail.stock SELECT g, g FROM generate_series(1, 300) g;
  `);
  // The served schema's posture, which restore insists on before it gives any grant.
  for (const table of ['customers', 'orders', 'notes', 'stock'])
    await db.admin.query(`ALTER TABLE retail.${table} ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY`);
  expect((await backup()).manifest?.type).toBe('full');
});

afterAll(async () => {
  for (const name of created) await dropDatabase(name).catch(() => {});
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('incrementals see schema changes that rewrite no row', () => {
  it('drop/re-add column, ALTER COLUMN TYPE, TRUNCATE and in-place UPDATE each restore as the source', async () => {
    await db.admin.query(`
      ALTER TABLE retail.customers DROP COLUMN created_at;
      ALTER TABLE retail.customers ADD COLUMN created_at timestamp DEFAULT '2000-01-01';
      ALTER TABLE retail.orders ALTER COLUMN amount TYPE bigint;
      TRUNCATE retail.notes;
      UPDATE retail.stock SET qty = qty + 1 WHERE id = 5;
    `);
    const run = await backup();
    const m = run.manifest!;
    expect(m.type).toBe('incremental');
    const fresh = m.objects
      .filter((o) => o.uploadedBy === m.id && o.kind === 'table-data')
      .map((o) => o.table);
    expect(fresh.sort()).toEqual(['retail.customers', 'retail.notes', 'retail.orders', 'retail.stock']);
    expect(await restoredChecksums('r1')).toEqual(await tableChecksums(db.url));
  });

  it('a new default for old rows (a column added with a default) is a new object', async () => {
    await db.admin.query("ALTER TABLE retail.stock ADD COLUMN place text DEFAULT 'north'");
    const m = (await backup()).manifest!;
    expect(m.objects.find((o) => o.table === 'retail.stock')?.uploadedBy).toBe(m.id);
    expect(m.objects.find((o) => o.table === 'retail.notes')?.uploadedBy).not.toBe(m.id);
    expect(await restoredChecksums('r2')).toEqual(await tableChecksums(db.url));
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup, runRestore, verifyBackupById } from '../../src/ops/backup/index.js';
import { configFor } from './helpers.js';

let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mcpops-embedded-backup-'));
  const db = new PGlite(join(work, 'data'), { extensions: { vector } });
  await db.exec(`
    CREATE EXTENSION vector;
    CREATE TABLE products (id serial PRIMARY KEY, name text, embedding vector(3));
    INSERT INTO products (name, embedding) SELECT 'p' || g, ARRAY[g, g + 1, g + 2]::vector FROM generate_series(1, 500) g;
  `);
  await db.close();
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('embedded (PGlite) backup and restore', () => {
  it('refuses while a live process holds the folder (exit 69), and a missing folder (exit 78)', async () => {
    const data = join(work, 'data');
    const config = await configFor({ MCPOPS_EMBEDDED_DIR: data });
    await writeFile(join(data, 'mcpops.lock'), `${process.pid}\n`);
    try {
      await expect(
        runBackup(config, { target: join(work, 'busy'), compression: 'zstd', jobs: 1, retention: {} }),
      ).rejects.toMatchObject({ exitCode: 69, message: expect.stringMatching(/in use by process \d+/) });
    } finally {
      await rm(join(data, 'mcpops.lock'), { force: true });
    }
    const missing = await configFor({ MCPOPS_EMBEDDED_DIR: join(work, 'nothing-here') });
    await expect(
      runBackup(missing, { target: join(work, 'busy'), compression: 'zstd', jobs: 1, retention: {} }),
    ).rejects.toMatchObject({ exitCode: 78 });
  });

  it('round-trips the data directory, encrypted, and row counts match', async () => {
    const config = await configFor({
      MCPOPS_EMBEDDED_DIR: join(work, 'data'),
      DEV_ENCRYPTION_KEY: 'a'.repeat(64),
    });
    const run = await runBackup(config, {
      target: join(work, 'backups'),
      compression: 'zstd',
      jobs: 1,
      retention: {},
      encrypt: true,
    });
    expect(run.manifest).toMatchObject({ engine: 'embedded', type: 'full' });
    expect(run.manifest?.tables).toEqual([
      { name: 'public.products', rows: 500, object: run.manifest?.objects[0].key },
    ]);
    expect((await verifyBackupById(config, { target: join(work, 'backups'), id: 'latest' })).ok).toBe(true);

    const restored = await runRestore(config, {
      from: join(work, 'backups'),
      id: 'latest',
      target: join(work, 'restored'),
      jobs: 1,
      confirm: async () => false,
    });
    expect(restored.ok).toBe(true);
    const db = new PGlite(join(work, 'restored'), { extensions: { vector } });
    const rows = await db.query<{ n: number; v: string }>(
      'SELECT count(*)::int AS n, (SELECT embedding::text FROM products WHERE id = 2) AS v FROM products',
    );
    await db.close();
    expect(rows.rows[0]).toEqual({ n: 500, v: '[2,3,4]' });

    await expect(
      runRestore(config, {
        from: join(work, 'backups'),
        id: 'latest',
        target: join(work, 'restored'),
        jobs: 1,
        confirm: async () => false,
      }),
    ).rejects.toThrow(/restore cancelled; nothing was changed/);
  });
});

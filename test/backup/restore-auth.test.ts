import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../src/config/secret.js';
import { resolveBackupKey } from '../../src/ops/backup/crypto.js';
import { runBackup } from '../../src/ops/backup/index.js';
import { resolveBackup } from '../../src/ops/backup/manifest.js';
import { restoreServer } from '../../src/ops/backup/restore.js';
import type { BackupStore } from '../../src/ops/backup/store.js';
import { openFolderStore } from '../../src/ops/backup/store-folder.js';
import { adminUrl, createTestDatabase, type TestDatabase } from '../support/database.js';
import { configFor, databaseExists, dropDatabase } from './helpers.js';
import { alive, childrenOf } from './restore-helpers.js';

// An encrypted object that passes the pre-restore check but fails authentication while it
// streams (it changed in between): the restore must end, with no psql left waiting on stdin.
let db: TestDatabase;
let dir: string;
const target = `mcpops_restore_auth_${process.pid}`;

beforeAll(async () => {
  db = await createTestDatabase('mcpops_restore_auth');
  dir = await mkdtemp(join(tmpdir(), 'mcpops-restore-auth-'));
  await db.admin.query(`
    CREATE TABLE big (id int PRIMARY KEY, pad text);
    INSERT INTO big SELECT g, md5(g::text) || md5((g * 3)::text) FROM generate_series(1, 200000) g;
    CREATE TABLE small (id int);
    INSERT INTO small SELECT generate_series(1, 10);
  `);
}, 60_000);

afterAll(async () => {
  await dropDatabase(target).catch(() => {});
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The folder store, except that the second read of `key` has one byte flipped past the first frames. */
function flipOnSecondRead(store: BackupStore, key: string): BackupStore {
  let reads = 0;
  return {
    where: store.where,
    write: (k, source, signal) => store.write(k, source, signal),
    stat: (k) => store.stat(k),
    list: (p) => store.list(p),
    remove: (k) => store.remove(k),
    writeText: (k, t) => store.writeText(k, t),
    readText: (k) => store.readText(k),
    tryLease: (k, holder, ttlMs) => store.tryLease(k, holder, ttlMs),
    async read(k) {
      const source = await store.read(k);
      if (k !== key || ++reads < 2) return source;
      let seen = 0;
      return source.pipe(
        new Transform({
          transform(chunk: Buffer, _encoding, done) {
            const at = 200_000 - seen;
            if (at >= 0 && at < chunk.length) chunk[at] ^= 0xff;
            seen += chunk.length;
            done(null, chunk);
          },
        }),
      );
    },
  };
}

describe('restore of an object that fails authentication mid-stream', () => {
  it('fails with the decrypt error within seconds, ends psql, drops the new database', async () => {
    const config = await configFor({ DATABASE_URL: db.url, DEV_ENCRYPTION_KEY: 'b'.repeat(64) });
    const run = await runBackup(config, {
      target: dir,
      compression: 'none',
      encrypt: true,
      jobs: 2,
      retention: {},
    });
    const big = run.manifest?.objects.find((o) => o.table === 'public.big');
    expect(big?.storedSize).toBeGreaterThan(400_000);
    const store = flipOnSecondRead(await openFolderStore(dir, {}), big?.key as string);
    const manifest = await resolveBackup(store, 'latest');
    const psqls = new Set<number>();
    const sampler = setInterval(() => {
      for (const c of childrenOf(process.pid)) if (c.name === 'psql') psqls.add(c.pid);
    }, 10);
    const started = Date.now();
    try {
      const restore = restoreServer({
        store,
        manifest,
        key: await resolveBackupKey(config),
        targetUrl: new Secret(adminUrl(target)),
        create: true,
        jobs: 2,
        confirm: async () => false,
      });
      await expect(restore).rejects.toMatchObject({ code: 'backup_decrypt_failed' });
    } finally {
      clearInterval(sampler);
    }
    expect(Date.now() - started).toBeLessThan(20_000);
    expect([...psqls].filter(alive)).toEqual([]);
    expect(await databaseExists(target)).toBe(false);
  }, 60_000);
});

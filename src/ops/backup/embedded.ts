import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ConfigError, InterruptedError, OperationError, UnavailableError, UsageError } from '../../errors.js';
import { decodeStream } from './codec.js';
import type { BackupKey } from './crypto.js';
import {
  type BackupManifest,
  type BackupType,
  backupId,
  listManifests,
  MANIFEST_FORMAT,
  manifestKey,
  removeRunMarker,
  writeRunMarker,
} from './manifest.js';
import type { ObjectWriter } from './objects.js';
import { writeObject } from './objects.js';
import { cleanOrphans } from './retention.js';
import type { BackupStore } from './store-types.js';
import { keyFor, verifyBackup } from './verify.js';

type PGliteLike = {
  query<T>(sql: string): Promise<{ rows: T[] }>;
  dumpDataDir(compression?: 'gzip' | 'none' | 'auto'): Promise<Blob>;
  close(): Promise<void>;
};

async function openPglite(dir: string, loadDataDir?: Blob): Promise<PGliteLike> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { vector } = await import('@electric-sql/pglite-pgvector');
  const db = new PGlite(dir, { extensions: { vector }, ...(loadDataDir ? { loadDataDir } : {}) });
  await db.waitReady;
  return db as unknown as PGliteLike;
}

/** Ctrl-C lands between steps: PGlite's own calls cannot be cancelled half-way. */
function interrupted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new InterruptedError(`${what} interrupted`);
}

/** A running `serve` holds the folder; PGlite has one writer, so a second opener would corrupt it. */
async function assertFree(dir: string): Promise<void> {
  const { embeddedLockHolder } = await import('../../db/embedded/lock.js');
  const holder = embeddedLockHolder(dir);
  if (holder !== undefined) {
    throw new UnavailableError(`the embedded database at ${dir} is in use by process ${holder}`, {
      code: 'embedded_in_use',
      suggestion: 'Stop `mcpops serve` (or the process holding it) and run the command again.',
    });
  }
}

async function tableCounts(db: PGliteLike): Promise<Array<{ name: string; rows: number }>> {
  const { rows } = await db.query<{ schema: string; name: string }>(
    "SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' ORDER BY 1, 2",
  );
  const out: Array<{ name: string; rows: number }> = [];
  for (const row of rows) {
    const quoted = `"${row.schema.replace(/"/g, '""')}"."${row.name.replace(/"/g, '""')}"`;
    const count = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ONLY ${quoted}`);
    out.push({ name: `${row.schema}.${row.name}`, rows: count.rows[0].n });
  }
  return out;
}

/**
 * The embedded database's own dump: PGlite's data-directory tarball (already gzip-compressed,
 * and built in memory by PGlite — fine at embedded sizes), then optional encryption and hashing.
 */
export async function backupEmbedded(options: {
  store: BackupStore;
  dir: string;
  key?: BackupKey;
  type?: BackupType;
  signal?: AbortSignal;
}): Promise<{ manifest: BackupManifest; durationMs: number; orphansRemoved: number }> {
  const started = new Date();
  const { store } = options;
  // Hold the folder's lock while PGlite has it open, so `serve` cannot start meanwhile.
  if (!(await readdir(options.dir).catch(() => [])).length) {
    throw new ConfigError(`there is no embedded database at ${options.dir}`, {
      code: 'embedded_missing',
      suggestion: 'Set DATABASE_URL to back up a server, or MCPOPS_EMBEDDED_DIR to the embedded folder.',
    });
  }
  const { acquireEmbeddedLock } = await import('../../db/embedded/lock.js');
  const lock = acquireEmbeddedLock(options.dir);
  try {
    return await backupLocked(options, started, store);
  } finally {
    lock.release();
  }
}

async function backupLocked(
  options: { dir: string; key?: BackupKey; signal?: AbortSignal },
  started: Date,
  store: BackupStore,
): Promise<{ manifest: BackupManifest; durationMs: number; orphansRemoved: number }> {
  const manifests = await listManifests(store);
  const orphansRemoved = await cleanOrphans(store, manifests, started);
  const previous = manifests.filter((m) => m.engine === 'embedded').at(-1);
  // The tarball is one object, so every embedded backup is a full one.
  const id = backupId('full', started);
  await writeRunMarker(store, id, started);
  const writer: ObjectWriter = {
    store,
    runId: id,
    compression: { algorithm: 'none' },
    key: options.key,
    signal: options.signal,
    written: [],
  };
  const db = await openPglite(options.dir);
  try {
    const version = (await db.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]
      .v;
    const counts = await tableCounts(db);
    interrupted(options.signal, 'backup');
    const blob = await db.dumpDataDir('gzip');
    const object = await writeObject(writer, Readable.fromWeb(blob.stream() as never), {
      kind: 'embedded-datadir',
      fingerprint: '',
    });
    const manifest: BackupManifest = {
      format: MANIFEST_FORMAT,
      id,
      type: 'full',
      engine: 'embedded',
      database: 'embedded',
      startedAt: started.toISOString(),
      finishedAt: new Date().toISOString(),
      serverVersion: version,
      serverMajor: Number(version.split('.')[0]),
      previous: previous?.id ?? null,
      compression: { algorithm: 'gzip' },
      encryption: options.key ? { algorithm: 'aes-256-gcm', keyId: options.key.id, frameBytes: 65536 } : null,
      objects: [{ ...object, compression: 'none' }],
      tables: counts.map((c) => ({ name: c.name, rows: c.rows, object: object.key })),
      totals: {
        plainBytes: object.plainSize,
        storedBytes: object.storedSize,
        uploadedBytes: object.storedSize,
        uploadedObjects: 1,
      },
    };
    interrupted(options.signal, 'backup');
    await store.writeText(manifestKey(id), `${JSON.stringify(manifest, null, 2)}\n`);
    return { manifest, durationMs: Date.now() - started.getTime(), orphansRemoved };
  } catch (error) {
    await Promise.all(writer.written.map((k) => store.remove(k).catch(() => {})));
    if (options.signal?.aborted) throw new InterruptedError('backup interrupted; partial objects removed');
    throw error;
  } finally {
    await removeRunMarker(store, id).catch(() => {});
    await db.close().catch(() => {});
  }
}

/** Restores an embedded backup into a folder (which must be new or empty, unless cleaned). */
export async function restoreEmbedded(options: {
  store: BackupStore;
  manifest: BackupManifest;
  dir: string;
  key?: BackupKey;
  clean?: boolean;
  signal?: AbortSignal;
  confirm: (message: string) => Promise<boolean>;
}): Promise<{
  id: string;
  target: string;
  ok: boolean;
  tables: Array<{ name: string; expected: number; actual: number; ok: boolean }>;
  durationMs: number;
}> {
  const started = Date.now();
  const { manifest, store } = options;
  const key = keyFor(manifest, options.key);
  const object = manifest.objects.find((o) => o.kind === 'embedded-datadir');
  if (manifest.engine !== 'embedded' || !object) {
    throw new UsageError(`backup ${manifest.id} is not of the embedded database`, {
      code: 'restore_engine',
      suggestion: 'Restore it with --target postgres://….',
    });
  }
  const report = await verifyBackup(store, manifest, key);
  if (!report.ok) {
    throw new OperationError(`verify: ${report.objects.find((o) => !o.ok)?.problem}; nothing was restored`, {
      code: 'backup_object_corrupt',
    });
  }
  const existing = await readdir(options.dir).catch(() => [] as string[]);
  if (existing.length) {
    await assertFree(options.dir);
    const ok = await options.confirm(`${options.dir} is not empty: replace it with ${manifest.id}?`);
    if (!ok) throw new UsageError('restore cancelled; nothing was changed', { code: 'restore_cancelled' });
    interrupted(options.signal, 'restore');
    await rm(options.dir, { recursive: true, force: true });
  }
  interrupted(options.signal, 'restore');
  try {
    return await loadDataDir(options, object, key, started);
  } catch (error) {
    // Whatever was written is no database: the folder goes, as the restore never happened.
    await rm(options.dir, { recursive: true, force: true });
    if (options.signal?.aborted)
      throw new InterruptedError(`restore interrupted; ${options.dir} was removed`);
    throw error;
  }
}

async function loadDataDir(
  options: { store: BackupStore; manifest: BackupManifest; dir: string; signal?: AbortSignal },
  object: BackupManifest['objects'][number],
  key: BackupKey | undefined,
  started: number,
) {
  const { manifest, store } = options;
  const chunks: Buffer[] = [];
  const decoded = decodeStream(await store.read(object.key), {
    compression: 'none',
    key: object.keyId ? key : undefined,
    what: `restore (${object.key})`,
  });
  await pipeline(
    decoded.plain,
    new Writable({
      write(chunk: Buffer, _e, cb) {
        chunks.push(chunk);
        cb();
      },
    }),
    { signal: options.signal },
  );
  await decoded.done;
  interrupted(options.signal, 'restore');
  const db = await openPglite(options.dir, new Blob(chunks));
  // The tarball carries the source folder's lock file; it belongs to no process here.
  const { LOCK_FILE } = await import('../../db/embedded/lock.js');
  await rm(join(options.dir, LOCK_FILE), { force: true });
  try {
    interrupted(options.signal, 'restore');
    const counts = new Map((await tableCounts(db)).map((c) => [c.name, c.rows]));
    const tables = manifest.tables.map((t) => ({
      name: t.name,
      expected: t.rows,
      actual: counts.get(t.name) ?? -1,
      ok: counts.get(t.name) === t.rows,
    }));
    return {
      id: manifest.id,
      target: options.dir,
      ok: tables.every((t) => t.ok),
      tables,
      durationMs: Date.now() - started,
    };
  } finally {
    await db.close().catch(() => {});
  }
}

import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { tableCounts } from '../../db/embedded/contents.js';
import type { EmbeddedCopySource } from '../../db/embedded/dump.js';
import { ConfigError, InterruptedError, OperationError, UnavailableError, UsageError } from '../../errors.js';
import { decodeStream } from './codec.js';
import type { BackupKey } from './crypto.js';
import { directCopy, type EmbeddedCopy, interrupted, openPglite, ownerCopy } from './embedded-copy.js';
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

/**
 * Restore replaces the folder: never while a process serves it (or holds it otherwise), since
 * PGlite has one writer and that process's data would be swapped under it.
 */
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

/**
 * The embedded database's own dump: PGlite's data-directory tarball (already gzip-compressed,
 * and built in memory by PGlite — fine at embedded sizes), then optional encryption and hashing.
 * A folder another process serves is copied by that process (see claimEmbeddedCopy).
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
  if (!(await readdir(options.dir).catch(() => [])).length) {
    throw new ConfigError(`there is no embedded database at ${options.dir}`, {
      code: 'embedded_missing',
      suggestion: 'Set DATABASE_URL to back up a server, or MCPOPS_EMBEDDED_DIR to the embedded folder.',
    });
  }
  const { claimEmbeddedCopy } = await import('../../db/embedded/dump.js');
  // A free folder stays locked while PGlite has it open here, so `serve` cannot start meanwhile.
  const source = await claimEmbeddedCopy(options.dir, options.signal);
  try {
    return await backupFrom(source, options, started, store);
  } finally {
    if ('lock' in source) source.lock.release();
  }
}

async function backupFrom(
  source: EmbeddedCopySource,
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
  let copy: EmbeddedCopy | undefined;
  try {
    copy =
      'lock' in source
        ? await directCopy(options.dir, options.signal)
        : await ownerCopy(source.owner, options.dir);
    const object = await writeObject(writer, copy.data, { kind: 'embedded-datadir', fingerprint: '' });
    interrupted(options.signal, 'backup');
    const { version, counts } = await copy.contents;
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
    throw copy?.failure ?? error;
  } finally {
    await removeRunMarker(store, id).catch(() => {});
    await copy?.close().catch(() => {});
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

import type pg from 'pg';
import type { Secret } from '../../config/secret.js';
import { InterruptedError, McpopsError, OperationError } from '../../errors.js';
import type { Compression } from './codec.js';
import type { BackupKey } from './crypto.js';
import type { BackupLease } from './lease.js';
import {
  type BackupManifest,
  type BackupType,
  backupId,
  listManifests,
  MANIFEST_FORMAT,
  type ManifestObject,
  type ManifestTable,
  manifestKey,
  removeRunMarker,
  writeRunMarker,
} from './manifest.js';
import { bufferSchema, findReusable, type ObjectWriter, storedObjects, writeObject } from './objects.js';
import { type Child, findPgTools, libpqEnv, runTool } from './pg-tools.js';
import { cleanOrphans } from './retention.js';
import { fingerprintTable, openSnapshot, openSnapshotWorker, type TableInfo } from './snapshot.js';
import { stopSwitch } from './stop-switch.js';
import type { BackupStore } from './store-types.js';
import { mapLimit } from './util.js';

export interface BackupProgress {
  step: 'dump' | 'upload' | 'reuse' | 'fingerprint' | 'manifest';
  table?: string;
  /** Plain bytes dumped so far, and an estimate of the total (table sizes on disk). */
  bytes: number;
  totalBytes: number;
}

export interface BackupOptions {
  store: BackupStore;
  url: Secret;
  database: string;
  where: string;
  pgBin?: string;
  type?: BackupType;
  compression: Compression;
  key?: BackupKey;
  jobs: number;
  /** The target's lease, checked before the manifest makes the backup visible. */
  lease?: BackupLease;
  signal?: AbortSignal;
  onProgress?: (progress: BackupProgress) => void;
  /** The snapshot is taken on a replica (recorded in the manifest). */
  source?: BackupManifest['source'];
}

export interface BackupResult {
  manifest: BackupManifest;
  durationMs: number;
  orphansRemoved: number;
}

/** A unique id: the reference name, with a counter if a backup already took that second. */
async function freshId(store: BackupStore, type: BackupType, at: Date): Promise<string> {
  const base = backupId(type, at);
  for (let n = 1; n < 100; n++) {
    const id = n === 1 ? base : `${base}_${n}`;
    if (!(await store.stat(manifestKey(id))) && !(await store.stat(`runs/${id}.json`))) return id;
  }
  throw new OperationError('too many backups in one second', { code: 'backup_id_taken' });
}

export function stepError(step: string, error: unknown): McpopsError {
  if (error instanceof McpopsError) {
    if (error.message.startsWith(`${step}`)) return error;
    return new McpopsError(`${step}: ${error.message}`, {
      code: error.code,
      exitCode: error.exitCode,
      suggestion: error.suggestion,
      cause: error,
    });
  }
  return new OperationError(`${step}: ${(error as Error)?.message ?? String(error)}`, {
    code: 'backup_failed',
    cause: error,
  });
}

/** A full or incremental backup of a PostgreSQL server database, made visible by its manifest. */
export async function backupServer(options: BackupOptions): Promise<BackupResult> {
  const started = new Date();
  const { store, signal } = options;
  // No pg_dump outlives the run with its snapshot open, or writes after the cleanup.
  const stop = stopSwitch(signal, () => signal?.reason);
  const children: Child[] = [];
  const snapshot = await openSnapshot(options.url, options.where);
  const workers: pg.Client[] = [];
  let runId: string | undefined;
  const writer: ObjectWriter = {
    store,
    runId: '',
    compression: options.compression,
    key: options.key,
    signal: stop.signal,
    written: [],
  };
  try {
    const tools = await findPgTools(snapshot.serverMajor, options.pgBin);
    const manifests = await listManifests(store);
    const previous = manifests.filter((m) => m.database === options.database && m.engine === 'server').at(-1);
    const type: BackupType = options.type ?? (previous ? 'incremental' : 'full');
    const reuseFrom = type === 'incremental' ? previous : undefined;
    const orphansRemoved = await cleanOrphans(store, manifests, started);
    const stillStored = storedObjects(store, reuseFrom);
    runId = await freshId(store, type, started);
    writer.runId = runId;
    await writeRunMarker(store, runId, started);

    const totalBytes = snapshot.tables.reduce((sum, t) => sum + t.bytes, 0);
    let bytes = 0;
    const progress = (step: BackupProgress['step'], table?: string) =>
      options.onProgress?.({ step, table, bytes, totalBytes });
    writer.onBytes = (delta) => {
      bytes += delta;
    };
    const env = libpqEnv(options.url);
    const dump = (args: string[], step: string) => {
      if (stop.signal.aborted) throw stop.signal.reason;
      const child = runTool(tools.pgDump, ['--no-password', `--snapshot=${snapshot.id}`, ...args], {
        env,
        step,
        signal: stop.signal,
      });
      children.push(child);
      return child;
    };
    /**
     * Waits for a dump and everything fed by it; the first failure stops the run, and this
     * returns only once all of them have settled, so nothing is still writing at the cleanup.
     */
    const whole = async <T extends unknown[]>(...work: { [K in keyof T]: Promise<T[K]> }): Promise<T> => {
      const settled = await Promise.allSettled(work.map((promise) => stop.guard(promise)));
      const failed = settled.find((result) => result.status === 'rejected');
      if (failed) throw stop.cause ?? failed.reason;
      return settled.map((result) => (result as PromiseFulfilledResult<unknown>).value) as T;
    };
    const context = {
      serverMajor: snapshot.serverMajor,
      dumpMajor: tools.major,
      identity: snapshot.identity,
    };

    const schemaObject = async (section: 'pre-data' | 'post-data'): Promise<ManifestObject> => {
      const child = dump([`--section=${section}`], `dump (${section})`);
      const { fingerprint, stream } = await bufferSchema(child.process.stdout!, tools.version);
      const reusable = await stillStored(findReusable(reuseFrom, fingerprint, section, options.key));
      if (reusable) {
        await child.done;
        return reusable;
      }
      const [object] = await whole(writeObject(writer, stream, { kind: section, fingerprint }), child.done);
      return object;
    };

    const tableObject = async (
      client: pg.Client,
      table: TableInfo,
    ): Promise<{ object: ManifestObject; rows: number }> => {
      progress('fingerprint', table.qualified);
      const dumpTable = () =>
        dump(['--data-only', '--format=plain', '-t', table.quoted], `dump (${table.qualified})`);
      if (reuseFrom) {
        const { rows, fingerprint } = await fingerprintTable(client, table, context);
        const reusable = await stillStored(findReusable(reuseFrom, fingerprint, 'table-data', options.key));
        if (reusable) {
          progress('reuse', table.qualified);
          return { object: reusable, rows };
        }
        progress('dump', table.qualified);
        const child = dumpTable();
        const [object] = await whole(
          writeObject(writer, child.process.stdout!, {
            kind: 'table-data',
            table: table.qualified,
            fingerprint,
          }),
          child.done,
        );
        return { object, rows };
      }
      // A full backup dumps at once; the fingerprint (for the next incremental) runs beside it.
      progress('dump', table.qualified);
      const print = fingerprintTable(client, table, context);
      const child = dumpTable();
      const [object, fp] = await whole(
        writeObject(writer, child.process.stdout!, {
          kind: 'table-data',
          table: table.qualified,
          fingerprint: '',
        }),
        print,
        child.done,
      );
      return { object: { ...object, fingerprint: fp.fingerprint }, rows: fp.rows };
    };

    for (let i = 0; i < Math.max(1, options.jobs); i++) {
      workers.push(await openSnapshotWorker(options.url, options.where, snapshot.id));
    }
    // Schema and table steps share the snapshot, so they run side by side; all settle before a
    // failure is reported, so nothing is still writing when the cleanup runs.
    const [preResult, tablesResult, postResult] = await Promise.allSettled([
      stop.guard(schemaObject('pre-data')),
      stop.guard(
        mapLimit(snapshot.tables, workers, async (table, client) => {
          if (signal?.aborted) throw new InterruptedError('backup interrupted');
          return tableObject(client, table);
        }),
      ),
      stop.guard(schemaObject('post-data')),
    ]);
    const failed = [preResult, tablesResult, postResult].find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const pre = (preResult as PromiseFulfilledResult<ManifestObject>).value;
    const tableResults = (
      tablesResult as PromiseFulfilledResult<Array<{ object: ManifestObject; rows: number }>>
    ).value;
    const post = (postResult as PromiseFulfilledResult<ManifestObject>).value;
    progress('manifest');

    const tables: ManifestTable[] = snapshot.tables.map((t, i) => ({
      name: t.qualified,
      rows: tableResults[i].rows,
      object: tableResults[i].object.key,
    }));
    const objects = [pre, ...tableResults.map((r) => r.object), post];
    const fresh = objects.filter((o) => o.uploadedBy === runId);
    const manifest: BackupManifest = {
      format: MANIFEST_FORMAT,
      id: runId,
      type,
      engine: 'server',
      database: options.database,
      startedAt: started.toISOString(),
      finishedAt: new Date().toISOString(),
      serverVersion: snapshot.serverVersion,
      serverMajor: snapshot.serverMajor,
      pgDumpVersion: tools.version,
      previous: previous?.id ?? null,
      compression: { algorithm: options.compression.algorithm, level: options.compression.level },
      encryption: options.key ? { algorithm: 'aes-256-gcm', keyId: options.key.id, frameBytes: 65536 } : null,
      objects,
      tables,
      totals: {
        plainBytes: objects.reduce((s, o) => s + o.plainSize, 0),
        storedBytes: objects.reduce((s, o) => s + o.storedSize, 0),
        uploadedBytes: fresh.reduce((s, o) => s + o.storedSize, 0),
        uploadedObjects: fresh.length,
      },
      ...(options.source ? { source: options.source } : {}),
    };
    if (signal?.aborted) throw new InterruptedError('backup interrupted');
    options.lease?.check();
    await store.writeText(manifestKey(runId), `${JSON.stringify(manifest, null, 2)}\n`);
    await removeRunMarker(store, runId).catch(() => {});
    return { manifest, durationMs: Date.now() - started.getTime(), orphansRemoved };
  } catch (error) {
    stop.stop(error);
    await Promise.all(children.map((child) => child.stop()));
    // Nothing of a failed run may stay: its objects are referenced by no manifest.
    await Promise.all(writer.written.map((key) => store.remove(key).catch(() => {})));
    if (runId) await removeRunMarker(store, runId).catch(() => {});
    if (signal?.aborted) throw new InterruptedError('backup interrupted; partial objects removed');
    throw error instanceof McpopsError && /^(dump|upload|verify)/.test(error.message)
      ? error
      : stepError('backup', error);
  } finally {
    stop.release();
    await Promise.all(workers.map((w) => w.end().catch(() => {})));
    await snapshot.close();
  }
}

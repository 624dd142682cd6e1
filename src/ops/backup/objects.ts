import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { McpopsError, OperationError } from '../../errors.js';
import { type Compression, type EncodedResult, encodeInto } from './codec.js';
import type { BackupKey } from './crypto.js';
import { type BackupManifest, type ManifestObject, OBJECT_DIR, type ObjectKind } from './manifest.js';
import type { BackupStore } from './store-types.js';

export interface ObjectWriter {
  store: BackupStore;
  runId: string;
  compression: Compression;
  key?: BackupKey;
  signal?: AbortSignal;
  /** Keys this run has written, so a failed run can take them back. */
  written: string[];
  onBytes?: (delta: number) => void;
}

/**
 * Stored bytes differ on every upload (random nonces), so an object lives under the run that
 * uploaded it; later backups find it by its content fingerprint in the manifest and point at it.
 */
export function objectKey(label: string, runId: string, compression: Compression, key?: BackupKey): string {
  const ext = compression.algorithm === 'zstd' ? 'zst' : compression.algorithm === 'gzip' ? 'gz' : 'raw';
  return `${OBJECT_DIR}/${runId}/${label}.${ext}${key ? `.${key.id}.enc` : ''}`;
}

export function objectLabel(kind: ObjectKind, table?: string): string {
  return table ? `table-${createHash('sha256').update(table).digest('hex').slice(0, 16)}` : kind;
}

/** An object of an earlier backup with the same content, stored the way this run would store it. */
export function findReusable(
  previous: BackupManifest | undefined,
  fingerprint: string,
  kind: ObjectKind,
  key?: BackupKey,
): ManifestObject | undefined {
  return previous?.objects.find(
    (o) => o.kind === kind && o.fingerprint === fingerprint && o.keyId === (key?.id ?? null),
  );
}

/**
 * A check that an object an incremental would point at is still stored, whole (its stored size):
 * a base that lost objects must not yield a backup that cannot be restored. The base's
 * listing is read once.
 */
export function storedObjects(
  store: BackupStore,
  base: BackupManifest | undefined,
): (object: ManifestObject | undefined) => Promise<ManifestObject | undefined> {
  let sizes: Promise<Map<string, number>> | undefined;
  return async (object) => {
    if (!object || !base) return undefined;
    sizes ??= store
      .list(`${OBJECT_DIR}/`)
      .then((entries) => new Map(entries.map((entry) => [entry.key, entry.size])));
    return (await sizes).get(object.key) === object.storedSize ? object : undefined;
  };
}

export async function writeObject(
  writer: ObjectWriter,
  source: Readable,
  meta: { kind: ObjectKind; table?: string; fingerprint: string },
): Promise<ManifestObject> {
  const key = objectKey(objectLabel(meta.kind, meta.table), writer.runId, writer.compression, writer.key);
  writer.written.push(key);
  const result: EncodedResult = await encodeInto(
    source,
    { compression: writer.compression, key: writer.key, onBytes: writer.onBytes },
    (encoded) =>
      writer.store.write(key, encoded, writer.signal).catch((error: unknown) => {
        throw uploadError(meta.table ?? meta.kind, error);
      }),
  );
  return {
    key,
    kind: meta.kind,
    ...(meta.table ? { table: meta.table } : {}),
    fingerprint: meta.fingerprint,
    plainSize: result.plainBytes,
    plainSha256: result.plainSha256,
    storedSize: result.storedBytes,
    storedSha256: result.storedSha256,
    compression: writer.compression.algorithm,
    keyId: writer.key?.id ?? null,
    uploadedBy: writer.runId,
  };
}

/** Storage failures keep their exit code (69 unreachable, 78 credentials) and name the step. */
function uploadError(what: string, error: unknown): Error {
  if (error instanceof McpopsError) {
    return new McpopsError(`upload (${what}): ${error.message}`, {
      code: error.code,
      exitCode: error.exitCode,
      suggestion: error.suggestion,
      cause: error,
    });
  }
  return new OperationError(`upload (${what}): ${(error as Error)?.message ?? String(error)}`, {
    code: 'backup_upload_failed',
    cause: error,
  });
}

const SCHEMA_BUFFER_LIMIT = 64 * 1024 * 1024;

/**
 * Reads a schema dump into memory up to a limit to fingerprint it (schema dumps are small).
 * The per-run `\restrict` key pg_dump writes is masked, or no two dumps would ever match.
 * Past the limit the dump streams on and gets a fingerprint that is never reused.
 */
export async function bufferSchema(
  source: Readable,
  dumpVersion: string,
): Promise<{ fingerprint: string; stream: Readable }> {
  const chunks: Buffer[] = [];
  let size = 0;
  const iterator = source[Symbol.asyncIterator]();
  for (;;) {
    const next = await iterator.next();
    if (next.done) break;
    chunks.push(next.value as Buffer);
    size += (next.value as Buffer).length;
    if (size > SCHEMA_BUFFER_LIMIT) {
      const rest = async function* () {
        yield* chunks;
        for (;;) {
          const more = await iterator.next();
          if (more.done) return;
          yield more.value as Buffer;
        }
      };
      return {
        fingerprint: createHash('sha256').update(`unbuffered:${Date.now()}:${Math.random()}`).digest('hex'),
        stream: Readable.from(rest()),
      };
    }
  }
  const text = Buffer.concat(chunks);
  const normalized = text.toString('utf8').replace(/^\\(un)?restrict \S+$/gm, '\\$1restrict');
  const fingerprint = createHash('sha256').update(`${dumpVersion}\n`).update(normalized).digest('hex');
  return { fingerprint, stream: Readable.from([text]) };
}

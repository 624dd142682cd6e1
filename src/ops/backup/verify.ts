import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ConfigError, McpopsError, OperationError } from '../../errors.js';
import { decodeStream, HashCounter } from './codec.js';
import { type BackupKey, headerKeyId } from './crypto.js';
import type { BackupManifest, ManifestObject } from './manifest.js';
import type { BackupStore } from './store-types.js';

export interface ObjectCheck {
  key: string;
  kind: ManifestObject['kind'];
  table?: string;
  ok: boolean;
  problem?: string;
}

export interface VerifyReport {
  id: string;
  ok: boolean;
  objects: ObjectCheck[];
  checkedBytes: number;
  durationMs: number;
}

/** The key a backup needs, or a config error saying which one (by fingerprint, never the key). */
export function keyFor(manifest: BackupManifest, key: BackupKey | undefined): BackupKey | undefined {
  if (!manifest.encryption) return undefined;
  if (!key) {
    throw new ConfigError(
      `backup ${manifest.id} is encrypted (key ${manifest.encryption.keyId}) and no key is configured`,
      {
        code: 'backup_key_missing',
        suggestion:
          'Set MCPOPS_ENCRYPTION_KEY (or DEV_ENCRYPTION_KEY in dev) to the key the backup was made with.',
      },
    );
  }
  if (key.id !== manifest.encryption.keyId) {
    throw new ConfigError(
      `backup ${manifest.id} was encrypted with key ${manifest.encryption.keyId}, but the configured key is ${key.id}`,
      {
        code: 'backup_key_wrong',
        suggestion:
          'Set MCPOPS_ENCRYPTION_KEY (or DEV_ENCRYPTION_KEY in dev) to the key the backup was made with.',
      },
    );
  }
  return key;
}

/**
 * Reads one object end to end: stored size and SHA-256, decryption (authenticated) and
 * decompression, then plain size and SHA-256. Throws an OperationError naming the object.
 * With `decode: false` (restore's pre-check) only the stored bytes are hashed and the key id in
 * the header is checked: bytes equal to what the backup wrote decode as they did then, and the
 * restore checks the plain SHA-256 again as it streams.
 */
export async function checkObject(
  store: BackupStore,
  object: ManifestObject,
  key: BackupKey | undefined,
  onBytes?: (delta: number) => void,
  decode = true,
  signal?: AbortSignal,
): Promise<void> {
  const entry = await store.stat(object.key);
  const what = `object ${object.key}${object.table ? ` (${object.table})` : ''}`;
  const fail = (problem: string, cause?: unknown) =>
    new OperationError(`verify: ${what} ${problem}`, {
      code: 'backup_object_corrupt',
      suggestion:
        'Restore another backup (`mcpops backup list`); make a new full backup with `mcpops backup --type full`.',
      cause,
    });
  if (!entry) throw fail('is missing');
  if (entry.size !== object.storedSize)
    throw fail(`has ${entry.size} bytes, the manifest says ${object.storedSize}`);
  if (!decode) return checkStored(store, object, fail, onBytes, signal);
  const decoded = decodeStream(await store.read(object.key), {
    compression: object.compression,
    key: object.keyId ? key : undefined,
    what: `verify: ${what}`,
  });
  try {
    await pipeline(
      decoded.plain,
      new Writable({
        write(chunk: Buffer, _enc, callback) {
          onBytes?.(chunk.length);
          callback();
        },
      }),
    );
    await decoded.done;
  } catch (error) {
    if (decoded.stored.bytes === object.storedSize && decoded.stored.digest() !== object.storedSha256)
      throw fail('does not match its SHA-256 (altered)', error);
    if (error instanceof McpopsError) throw error;
    throw fail(`cannot be decoded: ${(error as Error).message}`, error);
  }
  if (decoded.stored.digest() !== object.storedSha256) throw fail('does not match its SHA-256 (altered)');
  if (decoded.plainHash.bytes !== object.plainSize || decoded.plainHash.digest() !== object.plainSha256)
    throw fail('decodes to different content than the manifest records');
}

async function checkStored(
  store: BackupStore,
  object: ManifestObject,
  fail: (problem: string, cause?: unknown) => Error,
  onBytes?: (delta: number) => void,
  signal?: AbortSignal,
): Promise<void> {
  const hash = new HashCounter();
  let head: Buffer | undefined;
  try {
    await pipeline(
      await store.read(object.key),
      hash,
      new Writable({
        write(chunk: Buffer, _enc, callback) {
          head ??= chunk;
          onBytes?.(chunk.length);
          callback();
        },
      }),
      { signal },
    );
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw fail(`cannot be read: ${(error as Error).message}`, error);
  }
  if (hash.bytes !== object.storedSize || hash.digest() !== object.storedSha256)
    throw fail('does not match its SHA-256 (altered)');
  if (object.keyId && head && headerKeyId(head) !== object.keyId)
    throw fail('has a damaged encryption header');
}

/** Checks every object of a backup; never stops at the first problem, so the report is whole. */
export async function verifyBackup(
  store: BackupStore,
  manifest: BackupManifest,
  key: BackupKey | undefined,
  options: {
    objects?: ManifestObject[];
    onBytes?: (delta: number) => void;
    jobs?: number;
    /** false: stored bytes only (see checkObject). */
    decode?: boolean;
    /** Stops the check: no further object is started and the stored reads end (stored-only checks). */
    signal?: AbortSignal;
  } = {},
): Promise<VerifyReport> {
  const started = Date.now();
  const usable = keyFor(manifest, key);
  const objects = options.objects ?? manifest.objects;
  let checkedBytes = 0;
  const checks: ObjectCheck[] = new Array(objects.length);
  let next = 0;
  const worker = async () => {
    while (next < objects.length) {
      options.signal?.throwIfAborted();
      const index = next++;
      const object = objects[index];
      try {
        await checkObject(
          store,
          object,
          usable,
          (delta) => {
            checkedBytes += delta;
            options.onBytes?.(delta);
          },
          options.decode ?? true,
          options.signal,
        );
        checks[index] = { key: object.key, kind: object.kind, table: object.table, ok: true };
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason;
        checks[index] = {
          key: object.key,
          kind: object.kind,
          table: object.table,
          ok: false,
          problem: (error as Error).message.replace(/^verify: /, ''),
        };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.jobs ?? 2) }, worker));
  return {
    id: manifest.id,
    ok: checks.every((c) => c.ok),
    objects: checks,
    checkedBytes,
    durationMs: Date.now() - started,
  };
}

import { createHash, type Hash } from 'node:crypto';
import { PassThrough, type Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { OperationError } from '../../errors.js';
import { type BackupKey, DecryptStream, EncryptStream } from './crypto.js';

export type CompressionAlgorithm = 'zstd' | 'gzip' | 'none';

export interface Compression {
  algorithm: CompressionAlgorithm;
  level?: number;
}

/** Counts bytes and computes SHA-256 of what passes through, without holding it. */
export class HashCounter extends Transform {
  readonly #hash: Hash = createHash('sha256');
  bytes = 0;
  onBytes?: (delta: number) => void;

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.#hash.update(chunk);
    this.bytes += chunk.length;
    this.onBytes?.(chunk.length);
    callback(null, chunk);
  }

  #digest?: string;

  digest(): string {
    this.#digest ??= this.#hash.digest('hex');
    return this.#digest;
  }
}

export function compressor(compression: Compression): Transform {
  const { algorithm, level } = compression;
  if (algorithm === 'zstd') {
    return zlib.createZstdCompress({
      params: { [zlib.constants.ZSTD_c_compressionLevel]: level ?? 3 },
    });
  }
  if (algorithm === 'gzip') return zlib.createGzip({ level: level ?? 6 });
  return new PassThrough();
}

/** Output in 256 KiB pieces (zlib's default is 16 KiB): fewer hops for every stage after it. */
const DECOMPRESS_CHUNK = 256 * 1024;

export function decompressor(algorithm: CompressionAlgorithm): Transform {
  if (algorithm === 'zstd') return zlib.createZstdDecompress({ chunkSize: DECOMPRESS_CHUNK });
  if (algorithm === 'gzip') return zlib.createGunzip({ chunkSize: DECOMPRESS_CHUNK });
  return new PassThrough();
}

export function validateLevel(algorithm: CompressionAlgorithm, level: number | undefined): void {
  if (level === undefined) return;
  const [min, max] = algorithm === 'zstd' ? [1, 19] : algorithm === 'gzip' ? [0, 9] : [0, 0];
  if (!Number.isInteger(level) || level < min || level > max) {
    throw new OperationError(`compression level ${level} is out of range for ${algorithm} (${min}–${max})`, {
      code: 'usage',
    });
  }
}

export interface EncodedResult {
  plainBytes: number;
  plainSha256: string;
  storedBytes: number;
  storedSha256: string;
}

/**
 * source → SHA-256 of the plain bytes → compression → optional encryption → SHA-256 of the
 * stored bytes → `sink` (the store's writer). Every stage is a bounded stream buffer.
 */
export async function encodeInto(
  source: Readable,
  options: { compression: Compression; key?: BackupKey; onBytes?: (delta: number) => void },
  sink: (encoded: Readable) => Promise<void>,
): Promise<EncodedResult> {
  const plain = new HashCounter();
  plain.onBytes = options.onBytes;
  const stored = new HashCounter();
  const stages: Transform[] = [plain, compressor(options.compression)];
  if (options.key) stages.push(new EncryptStream(options.key));
  stages.push(stored);
  const flowing = pipeline([source, ...stages] as unknown as NodeJS.ReadWriteStream[]);
  const writing = sink(stored);
  // If the sink fails the pipeline must stop too (and vice versa), or a child process would hang.
  writing.catch((error) => stored.destroy(error));
  flowing.catch(() => {});
  await Promise.all([flowing, writing]);
  return {
    plainBytes: plain.bytes,
    plainSha256: plain.digest(),
    storedBytes: stored.bytes,
    storedSha256: stored.digest(),
  };
}

interface DecodeOptions {
  compression: CompressionAlgorithm;
  key?: BackupKey;
  what: string;
}

function decode(source: Readable, options: DecodeOptions, after: Transform[]) {
  const stored = new HashCounter();
  const stages: Transform[] = [stored];
  if (options.key) stages.push(new DecryptStream(options.key, options.what));
  stages.push(decompressor(options.compression), ...after);
  const done = pipeline([source, ...stages] as unknown as NodeJS.ReadWriteStream[]);
  done.catch(() => {});
  return { plain: stages.at(-1) as Readable, stored, done };
}

/** The reverse: stored bytes (checked) → decryption → decompression → plain bytes (checked). */
export function decodeStream(
  source: Readable,
  options: DecodeOptions,
): { plain: Readable; stored: HashCounter; plainHash: HashCounter; done: Promise<void> } {
  const plainHash = new HashCounter();
  return { ...decode(source, options, [plainHash]), plainHash };
}

/**
 * Stored bytes (hashed) → decryption → decompression, without hashing the plain bytes: for a
 * restore, whose objects were checked whole just before. Stored bytes equal to the manifest's
 * decode to the plain bytes the backup hashed, so the stored SHA-256 alone proves the object
 * unchanged, at a fraction of the hashing (plain data is several times larger).
 */
export function decodeStored(
  source: Readable,
  options: DecodeOptions,
): { plain: Readable; stored: HashCounter; done: Promise<void> } {
  return decode(source, options, []);
}

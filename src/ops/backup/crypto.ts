import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import type { Config } from '../../config/schema.js';
import { ConfigError, OperationError } from '../../errors.js';

/**
 * Streaming AES-256-GCM: an object is a header (magic, key id, nonce prefix) followed by
 * frames `[u32 length][ciphertext][16-byte tag]`. Each frame's nonce is the random prefix plus
 * its index, and its AAD says whether it is the last one, so altered, reordered, dropped or
 * truncated frames all fail authentication — a stream that ends without a final frame is an error.
 */
const MAGIC = Buffer.from('MCPB\x01', 'latin1');
const KEY_ID_BYTES = 8;
const PREFIX_BYTES = 8;
const HEADER_BYTES = MAGIC.length + KEY_ID_BYTES + PREFIX_BYTES;
const TAG_BYTES = 16;
export const CHUNK_BYTES = 64 * 1024;

export interface BackupKey {
  key: Buffer;
  /** Printable fingerprint of the key (not the key): hex of a tagged SHA-256. */
  id: string;
}

export function keyFingerprint(key: Buffer): string {
  return createHash('sha256')
    .update('mcpops-backup-key\0')
    .update(key)
    .digest('hex')
    .slice(0, KEY_ID_BYTES * 2);
}

export function parseKey(text: string, setting: string): BackupKey {
  const value = text.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(value)) key = Buffer.from(value, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) key = Buffer.from(value, 'base64');
  if (key?.length !== 32) {
    throw new ConfigError(`${setting} is not a 32-byte key (64 hex characters or 44 base64 characters)`, {
      code: 'backup_key_invalid',
      suggestion:
        'Generate one with `openssl rand -base64 32` and store it in Key Vault or a file: reference.',
    });
  }
  return { key, id: keyFingerprint(key) };
}

/** The backup key from the secret loader: encryptionKey, or devEncryptionKey in the dev profile only. */
export function loadBackupKey(
  config: Pick<Config, 'encryptionKey' | 'devEncryptionKey' | 'profile'>,
): BackupKey | undefined {
  if (config.encryptionKey)
    return parseKey(config.encryptionKey.reveal(), 'encryptionKey (MCPOPS_ENCRYPTION_KEY)');
  if (config.devEncryptionKey) {
    if (config.profile !== 'dev') {
      throw new ConfigError('DEV_ENCRYPTION_KEY is only accepted in the dev profile', {
        code: 'backup_key_dev_only',
        suggestion: 'Set MCPOPS_ENCRYPTION_KEY to a keyvault: or file: reference in prod.',
      });
    }
    return parseKey(config.devEncryptionKey.reveal(), 'devEncryptionKey (DEV_ENCRYPTION_KEY)');
  }
  return undefined;
}

/**
 * loadBackupKey, plus the reference's Key Vault form: ENCRYPTION_KEY_SECRET_NAME names a secret
 * in AZURE_KEY_VAULT_URL when MCPOPS_ENCRYPTION_KEY is not set.
 */
export async function resolveBackupKey(
  config: Pick<
    Config,
    'encryptionKey' | 'devEncryptionKey' | 'profile' | 'encryptionKeySecretName' | 'azureKeyVaultUrl'
  >,
): Promise<BackupKey | undefined> {
  if (config.encryptionKey || !config.encryptionKeySecretName) return loadBackupKey(config);
  const { resolveReference } = await import('../../config/references.js');
  const value = await resolveReference(
    'encryptionKeySecretName',
    `keyvault:${config.encryptionKeySecretName}`,
    {
      env: process.env,
      keyVaultUrl: config.azureKeyVaultUrl,
    },
  );
  return parseKey(value, `Key Vault secret ${config.encryptionKeySecretName}`);
}

function nonceFor(prefix: Buffer, index: number): Buffer {
  const nonce = Buffer.alloc(12);
  prefix.copy(nonce, 0);
  nonce.writeUInt32BE(index, 8);
  return nonce;
}

const FINAL = Buffer.from([1]);
const MORE = Buffer.from([0]);

export class EncryptStream extends Transform {
  readonly #key: BackupKey;
  readonly #prefix = randomBytes(PREFIX_BYTES);
  #index = 0;
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  constructor(key: BackupKey) {
    super();
    this.#key = key;
    this.push(Buffer.concat([MAGIC, Buffer.from(key.id, 'hex'), this.#prefix]));
  }

  #seal(plain: Buffer, final: boolean): void {
    if (this.#index >= 0xffffffff)
      throw new OperationError('object too large to encrypt', { code: 'encrypt' });
    const cipher = createCipheriv('aes-256-gcm', this.#key.key, nonceFor(this.#prefix, this.#index++));
    cipher.setAAD(final ? FINAL : MORE);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(body.length, 0);
    this.push(Buffer.concat([length, body, cipher.getAuthTag()]));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    try {
      // Keep at least one byte back so the last frame, sealed in _flush, is never empty of meaning.
      while (this.#pendingBytes > CHUNK_BYTES) {
        const all = Buffer.concat(this.#pending);
        this.#seal(all.subarray(0, CHUNK_BYTES), false);
        const rest = all.subarray(CHUNK_BYTES);
        this.#pending = [rest];
        this.#pendingBytes = rest.length;
      }
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.#seal(Buffer.concat(this.#pending), true);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }
}

/** Reads the key id from an object's first bytes (undefined when it is not an encrypted object). */
export function headerKeyId(head: Buffer): string | undefined {
  if (head.length < HEADER_BYTES || !head.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  return head.subarray(MAGIC.length, MAGIC.length + KEY_ID_BYTES).toString('hex');
}

export class DecryptStream extends Transform {
  readonly #key: BackupKey;
  readonly #what: string;
  #buffer: Buffer = Buffer.alloc(0);
  #prefix?: Buffer;
  #index = 0;
  #sawFinal = false;

  constructor(key: BackupKey, what: string) {
    super();
    this.#key = key;
    this.#what = what;
  }

  #fail(message: string, suggestion: string): Error {
    return new OperationError(`${this.#what}: ${message}`, { code: 'backup_decrypt_failed', suggestion });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk;
    try {
      if (!this.#prefix) {
        if (this.#buffer.length < HEADER_BYTES) {
          callback();
          return;
        }
        const keyId = headerKeyId(this.#buffer);
        if (!keyId)
          throw this.#fail('not an mcpops encrypted object', 'The object is damaged or not encrypted.');
        if (keyId !== this.#key.id) {
          throw this.#fail(
            `encrypted with key ${keyId}, but the configured key is ${this.#key.id}`,
            'Set MCPOPS_ENCRYPTION_KEY (or DEV_ENCRYPTION_KEY in dev) to the key the backup was made with.',
          );
        }
        this.#prefix = Buffer.from(this.#buffer.subarray(MAGIC.length + KEY_ID_BYTES, HEADER_BYTES));
        this.#buffer = this.#buffer.subarray(HEADER_BYTES);
      }
      while (this.#buffer.length >= 4) {
        const length = this.#buffer.readUInt32BE(0);
        if (length > CHUNK_BYTES) throw this.#fail('frame length is damaged', 'The object was altered.');
        if (this.#buffer.length < 4 + length + TAG_BYTES) break;
        if (this.#sawFinal) throw this.#fail('data after the final frame', 'The object was altered.');
        const body = this.#buffer.subarray(4, 4 + length);
        const tag = this.#buffer.subarray(4 + length, 4 + length + TAG_BYTES);
        this.push(this.#open(body, tag));
        this.#buffer = this.#buffer.subarray(4 + length + TAG_BYTES);
      }
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  #open(body: Buffer, tag: Buffer): Buffer {
    const nonce = nonceFor(this.#prefix as Buffer, this.#index++);
    // The final flag is not stored: try "more" first, then "final"; only one can authenticate.
    for (const aad of [MORE, FINAL]) {
      const decipher = createDecipheriv('aes-256-gcm', this.#key.key, nonce);
      decipher.setAAD(aad);
      decipher.setAuthTag(tag);
      try {
        const plain = Buffer.concat([decipher.update(body), decipher.final()]);
        if (aad === FINAL) this.#sawFinal = true;
        return plain;
      } catch {
        // try the other flag
      }
    }
    throw this.#fail(
      'authentication failed (altered data or wrong key)',
      'The object was altered; use another backup.',
    );
  }

  override _flush(callback: TransformCallback): void {
    if (!this.#sawFinal || this.#buffer.length > 0) {
      callback(
        this.#fail(
          'the object is truncated (no final frame)',
          'The object is incomplete; use another backup.',
        ),
      );
      return;
    }
    callback();
  }
}

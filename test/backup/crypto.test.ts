import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Secret } from '../../src/config/secret.js';
import { ConfigError, ExitCode } from '../../src/errors.js';
import { decodeStream, encodeInto } from '../../src/ops/backup/codec.js';
import { loadBackupKey, parseKey, resolveBackupKey } from '../../src/ops/backup/crypto.js';
import { planRetention } from '../../src/ops/backup/retention.js';
import { parseTarget } from '../../src/ops/backup/store.js';

const key = parseKey(randomBytes(32).toString('base64'), 'test');
const otherKey = parseKey(randomBytes(32).toString('hex'), 'test');

async function encode(data: Buffer, compression: 'zstd' | 'gzip' | 'none', withKey = true): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await encodeInto(
    Readable.from([data]),
    { compression: { algorithm: compression }, key: withKey ? key : undefined },
    async (s) => {
      for await (const c of s) chunks.push(c as Buffer);
    },
  );
  return Buffer.concat(chunks);
}

async function decode(stored: Buffer, compression: 'zstd' | 'gzip' | 'none', k = key): Promise<Buffer> {
  const decoded = decodeStream(Readable.from([stored]), { compression, key: k, what: 'object x' });
  const out: Buffer[] = [];
  await Promise.all([
    decoded.done,
    new Promise<void>((resolve, reject) => {
      decoded.plain
        .pipe(
          new Writable({
            write(c, _e, cb) {
              out.push(c);
              cb();
            },
          }),
        )
        .on('finish', resolve)
        .on('error', reject);
      decoded.plain.on('error', reject);
    }),
  ]);
  return Buffer.concat(out);
}

describe('AES-256-GCM framed objects', () => {
  const data = Buffer.concat([randomBytes(200_000), Buffer.alloc(300_000, 7)]);

  it.each(['zstd', 'gzip', 'none'] as const)('round-trips with %s and encryption', async (compression) => {
    const stored = await encode(data, compression);
    expect(stored.includes(data.subarray(210_000, 210_100))).toBe(false);
    expect((await decode(stored, compression)).equals(data)).toBe(true);
  });

  it('random nonces: the same plaintext never encrypts to the same bytes', async () => {
    expect((await encode(data, 'zstd')).equals(await encode(data, 'zstd'))).toBe(false);
  });

  it('detects one altered byte', async () => {
    const stored = await encode(data, 'none');
    stored[stored.length >> 1] ^= 0x01;
    await expect(decode(stored, 'none')).rejects.toThrow(/authentication failed/);
  });

  it('detects truncation at a frame boundary and mid-frame', async () => {
    const stored = await encode(data, 'none');
    const frame = 4 + 65536 + 16;
    await expect(decode(stored.subarray(0, 21 + frame * 2), 'none')).rejects.toThrow(/truncated/);
    await expect(decode(stored.subarray(0, stored.length - 5), 'none')).rejects.toThrow(/truncated/);
  });

  it('names both key ids when the key is wrong', async () => {
    const stored = await encode(data, 'gzip');
    await expect(decode(stored, 'gzip', otherKey)).rejects.toThrow(
      new RegExp(`encrypted with key ${key.id}, but the configured key is ${otherKey.id}`),
    );
  });
});

describe('backup keys', () => {
  it('rejects a short key with a config error and never echoes it', () => {
    const run = () => parseKey('c2hvcnQ=', 'encryptionKey');
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(/not a 32-byte key/);
    try {
      run();
    } catch (error) {
      expect((error as ConfigError).exitCode).toBe(ExitCode.config);
      expect((error as Error).message).not.toContain('c2hvcnQ');
    }
  });

  it('accepts DEV_ENCRYPTION_KEY only in the dev profile', () => {
    const dev = new Secret(randomBytes(32).toString('base64'));
    expect(loadBackupKey({ profile: 'dev', devEncryptionKey: dev, encryptionKey: undefined })?.id).toMatch(
      /^[0-9a-f]{16}$/,
    );
    expect(() => loadBackupKey({ profile: 'prod', devEncryptionKey: dev, encryptionKey: undefined })).toThrow(
      /only accepted in the dev profile/,
    );
  });
});

describe('targets', () => {
  const config = { backupContainer: 'database-backups' };
  it.each([
    ['/var/backups/zava', { kind: 'folder', path: '/var/backups/zava' }],
    ['file:///var/backups/zava', { kind: 'folder', path: '/var/backups/zava' }],
    ['azure://database-backups/zava', { kind: 'azure', container: 'database-backups', prefix: 'zava' }],
    ['azure://', { kind: 'azure', container: 'database-backups', prefix: '' }],
  ])('%s', (target, expected) => {
    expect(parseTarget(target, config)).toEqual(expected);
  });

  it('refuses unknown schemes and a missing target with exit 64', () => {
    expect(() => parseTarget('s3://bucket/x', config)).toThrow(/unsupported backup target scheme/);
    expect(() => parseTarget(undefined, config)).toThrow(expect.objectContaining({ exitCode: 64 }));
  });
});

describe('retention plan', () => {
  const object = (key: string) => ({ key, storedSize: 10 }) as never;
  const manifest = (id: string, day: number, keys: string[]) =>
    ({ id, startedAt: new Date(Date.UTC(2026, 0, day)).toISOString(), objects: keys.map(object) }) as never;
  const full = manifest('zava_backup_full_20260101_000000', 1, ['o/full/a', 'o/full/b']);
  const incr = manifest('zava_backup_incremental_20260110_000000', 10, ['o/full/a', 'o/incr/b']);

  it('deletes the older full but keeps the objects the kept incremental needs', () => {
    const plan = planRetention([full, incr], { keepLast: 1 });
    expect(plan.remove).toEqual(['zava_backup_full_20260101_000000']);
    expect(plan.objects).toEqual(['o/full/b']);
  });

  it('keep-days keeps recent ones and always the newest', () => {
    const now = new Date(Date.UTC(2026, 0, 12));
    expect(planRetention([full, incr], { keepDays: 5 }, now).remove).toEqual([
      'zava_backup_full_20260101_000000',
    ]);
    expect(planRetention([full, incr], { keepDays: 1 }, now).keep).toEqual([
      'zava_backup_incremental_20260110_000000',
    ]);
    expect(planRetention([full, incr], { keepDays: 30 }, now).remove).toEqual([]);
  });
});

describe('backup keys through the secret loader', () => {
  it('reads MCPOPS_ENCRYPTION_KEY from a file: reference', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { configFor } = await import('./helpers.js');
    const dir = await mkdtemp(join(tmpdir(), 'mcpops-key-'));
    try {
      const raw = randomBytes(32);
      await writeFile(join(dir, 'backup-key'), `${raw.toString('base64')}\n`);
      const config = await configFor({
        MCPOPS_ENCRYPTION_KEY: `file:${join(dir, 'backup-key')}`,
        MCPOPS_PROFILE: 'prod',
      });
      expect((await resolveBackupKey(config))?.key.equals(raw)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('ENCRYPTION_KEY_SECRET_NAME without a vault is a config error naming the fix', async () => {
    const { configFor } = await import('./helpers.js');
    const config = await configFor({ ENCRYPTION_KEY_SECRET_NAME: 'backup-key' });
    await expect(resolveBackupKey(config)).rejects.toMatchObject({
      exitCode: ExitCode.config,
      message: expect.stringMatching(/needs AZURE_KEY_VAULT_URL/),
    });
  });
});

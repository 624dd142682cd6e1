import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveDatabaseTarget } from '../../config/database.js';
import type { Config } from '../../config/schema.js';
import { Secret } from '../../config/secret.js';
import { ConfigError, UsageError } from '../../errors.js';
import { type BackupProgress, backupServer } from './backup.js';
import { type Compression, type CompressionAlgorithm, validateLevel } from './codec.js';
import { type BackupKey, resolveBackupKey } from './crypto.js';
import { backupEmbedded, restoreEmbedded } from './embedded.js';
import { type BackupManifest, type BackupType, listManifests, resolveBackup } from './manifest.js';
import { type RestoreOptions, type RestoreReport, restoreServer, restoreStamp } from './restore.js';
import { applyRetention, type RetentionPlan, type RetentionPolicy, validatePolicy } from './retention.js';
import { type BackupStore, openStore, parseTarget } from './store.js';
import { type VerifyReport, verifyBackup } from './verify.js';

export { formatBytes } from './util.js';
export type { BackupManifest, BackupProgress, RestoreReport, RetentionPlan, VerifyReport };

export function positiveInt(value: unknown, flag: string, min = 1): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new UsageError(`${flag} must be an integer ≥ ${min} (got ${String(value)})`, {
      code: 'usage',
      suggestion: `For example ${flag} 2.`,
    });
  }
  return n;
}

async function store(config: Config, target: string | undefined, create = false): Promise<BackupStore> {
  return openStore(parseTarget(target ?? config.backupTarget, config), config, { create });
}

export interface BackupCommandOptions {
  target?: string;
  type?: BackupType;
  compression: CompressionAlgorithm;
  level?: number;
  encrypt?: boolean;
  jobs: number;
  retention: RetentionPolicy;
  dryRun?: boolean;
  pgBin?: string;
  signal?: AbortSignal;
  onProgress?: (progress: BackupProgress) => void;
}

export interface BackupRun {
  manifest?: BackupManifest;
  durationMs: number;
  orphansRemoved: number;
  /** Share of the backup's stored bytes that earlier backups had already uploaded. */
  dedupRatio: number;
  retention?: RetentionPlan & { dryRun: boolean };
  where: string;
}

/** The key for new backups: with --encrypt, or whenever MCPOPS_ENCRYPTION_KEY is configured. */
async function keyForBackup(config: Config, encrypt: boolean | undefined): Promise<BackupKey | undefined> {
  const key = await resolveBackupKey(config);
  if (encrypt && !key) {
    throw new ConfigError('--encrypt needs a backup key and none is configured', {
      code: 'backup_key_missing',
      suggestion:
        'Set MCPOPS_ENCRYPTION_KEY (a keyvault: or file: reference to 32 random bytes), or DEV_ENCRYPTION_KEY in dev.',
    });
  }
  return encrypt || config.encryptionKey || config.encryptionKeySecretName ? key : undefined;
}

export async function runBackup(config: Config, options: BackupCommandOptions): Promise<BackupRun> {
  validateLevel(options.compression, options.level);
  validatePolicy(options.retention);
  const target = store(config, options.target, !options.dryRun);
  const backupStore = await target;
  const hasRetention = options.retention.keepLast !== undefined || options.retention.keepDays !== undefined;
  if (options.dryRun) {
    if (!hasRetention) {
      throw new UsageError('--dry-run shows what retention would delete; give --keep-last or --keep-days', {
        code: 'usage',
      });
    }
    const retention = await applyRetention(backupStore, options.retention, { dryRun: true });
    return { durationMs: 0, orphansRemoved: 0, dedupRatio: 0, retention, where: backupStore.where };
  }
  const key = await keyForBackup(config, options.encrypt);
  const compression: Compression = { algorithm: options.compression, level: options.level };
  const db = resolveDatabaseTarget(config);
  const result =
    db.kind === 'embedded'
      ? await backupEmbedded({
          store: backupStore,
          dir: db.dir,
          key,
          type: options.type,
          signal: options.signal,
        })
      : await backupServer({
          store: backupStore,
          url: db.url,
          database: db.database,
          where: `postgres://${db.user ? `${db.user}@` : ''}${db.host}:${db.port}/${db.database}`,
          pgBin: options.pgBin ?? config.pgBin,
          type: options.type,
          compression,
          key,
          jobs: options.jobs,
          signal: options.signal,
          onProgress: options.onProgress,
        });
  const totals = result.manifest.totals;
  const retention = hasRetention ? await applyRetention(backupStore, options.retention) : undefined;
  return {
    ...result,
    dedupRatio: totals.storedBytes ? 1 - totals.uploadedBytes / totals.storedBytes : 0,
    retention,
    where: backupStore.where,
  };
}

export async function listBackups(
  config: Config,
  target?: string,
): Promise<{ where: string; backups: BackupManifest[] }> {
  const backupStore = await store(config, target);
  return { where: backupStore.where, backups: await listManifests(backupStore) };
}

export interface DeepCheck {
  database: string;
  ok: boolean;
  tables: RestoreReport['tables'];
}

export async function verifyBackupById(
  config: Config,
  options: { target?: string; id: string; deep?: boolean; pgBin?: string; jobs?: number },
): Promise<VerifyReport & { deep?: DeepCheck }> {
  const backupStore = await store(config, options.target);
  const manifest = await resolveBackup(backupStore, options.id);
  const key = await resolveBackupKey(config);
  const report = await verifyBackup(backupStore, manifest, key, { jobs: options.jobs });
  if (!options.deep || !report.ok) return report;
  if (manifest.engine === 'embedded') {
    const dir = join(tmpdir(), `mcpops-verify-${restoreStamp()}-${process.pid}`);
    try {
      const restored = await restoreEmbedded({
        store: backupStore,
        manifest,
        dir,
        key,
        confirm: async () => false,
      });
      return {
        ...report,
        ok: restored.ok,
        deep: { database: dir, ok: restored.ok, tables: restored.tables },
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const db = resolveDatabaseTarget(config);
  if (db.kind !== 'server') {
    throw new ConfigError('--deep needs a PostgreSQL server for the scratch database', {
      code: 'verify_deep_server',
      suggestion: 'Set DATABASE_URL (or --database-url) to a server where a scratch database may be created.',
    });
  }
  const scratch = `${manifest.database}_verify_${restoreStamp()}`.slice(0, 63);
  const url = new URL(db.url.reveal());
  url.pathname = `/${scratch}`;
  const restored = await restoreServer({
    store: backupStore,
    manifest,
    key,
    targetUrl: new Secret(url.toString()),
    create: true,
    jobs: options.jobs ?? 2,
    pgBin: options.pgBin ?? config.pgBin,
    confirm: async () => false,
  });
  const { dropDatabase } = await import('./scratch.js');
  await dropDatabase(db.url, scratch, db.host);
  return {
    ...report,
    ok: restored.ok,
    deep: { database: scratch, ok: restored.ok, tables: restored.tables },
  };
}

/** What the restore command asks for: where the backups are, which one, and a target URL or folder. */
export interface RestoreCommandOptions
  extends Pick<
    RestoreOptions,
    'create' | 'clean' | 'tables' | 'jobs' | 'pgBin' | 'signal' | 'confirm' | 'onProgress'
  > {
  from?: string;
  id: string;
  target?: string;
}

export async function loadRestorePlan(config: Config, from: string | undefined, id: string) {
  const backupStore = await store(config, from);
  return { store: backupStore, manifest: await resolveBackup(backupStore, id) };
}

export async function runRestore(config: Config, options: RestoreCommandOptions) {
  const { store: backupStore, manifest } = await loadRestorePlan(config, options.from, options.id);
  const key = await resolveBackupKey(config);
  if (manifest.engine === 'embedded') {
    const dir = options.target ?? `${config.embeddedDir}_restored_${restoreStamp()}`;
    if (/^postgres(ql)?:\/\//.test(dir)) {
      throw new UsageError(`backup ${manifest.id} is of the embedded database; --target must be a folder`, {
        code: 'restore_engine',
      });
    }
    const restored = await restoreEmbedded({
      store: backupStore,
      manifest,
      dir,
      key,
      clean: options.clean,
      signal: options.signal,
      confirm: options.confirm,
    });
    return {
      ...restored,
      database: dir,
      created: true,
      warnings: [] as string[],
      restoredBytes: manifest.totals.plainBytes,
    };
  }
  const source = resolveDatabaseTarget(config);
  return restoreServer({
    store: backupStore,
    manifest,
    key,
    sourceUrl: source.kind === 'server' ? source.url : undefined,
    targetUrl: options.target ? new Secret(options.target) : undefined,
    create: options.create,
    clean: options.clean,
    tables: options.tables,
    jobs: options.jobs,
    pgBin: options.pgBin ?? config.pgBin,
    signal: options.signal,
    confirm: options.confirm,
    onProgress: options.onProgress,
  });
}

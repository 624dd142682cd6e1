import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DatabaseTarget, describeDatabaseTarget, resolveDatabaseTarget } from '../../config/database.js';
import type { Config } from '../../config/schema.js';
import { Secret } from '../../config/secret.js';
import { tlsFromConfig, withTls } from '../../config/tls.js';
import { probeReadReplica } from '../../db/replica-probe.js';
import { ConfigError, UnavailableError, UsageError } from '../../errors.js';
import { type BackupProgress, backupServer } from './backup.js';
import { type Compression, type CompressionAlgorithm, validateLevel } from './codec.js';
import { type BackupKey, resolveBackupKey } from './crypto.js';
import { backupEmbedded, restoreEmbedded } from './embedded.js';
import { acquireLease, type BackupLease } from './lease.js';
import {
  type BackupManifest,
  type BackupType,
  type Catalog,
  readCatalog,
  resolveBackup,
} from './manifest.js';
import { type RestoreOptions, type RestoreReport, restoreServer, restoreStamp } from './restore.js';
import { withDatabase } from './restore-target.js';
import { applyRetention, type RetentionPlan, type RetentionPolicy, validatePolicy } from './retention.js';
import { type BackupStore, openStore, parseTarget } from './store.js';
import { type VerifyReport, verifyBackup } from './verify.js';

export type { BackupManifest, BackupProgress, RestoreReport, RetentionPlan, VerifyReport };

/** Each skipped manifest is reported once per command, on stderr (stdout holds results). */
function warnOnce(): (message: string) => void {
  const seen = new Set<string>();
  return (message) => {
    if (seen.has(message)) return;
    seen.add(message);
    process.stderr.write(`warning: ${message}\n`);
  };
}

async function store(config: Config, target: string | undefined, create = false): Promise<BackupStore> {
  const opened = await openStore(parseTarget(target ?? config.backupTarget, config), config, { create });
  opened.warn ??= warnOnce();
  return opened;
}

/** The server URL with the configured TLS settings written in, for every connection and child tool. */
function serverUrl(db: Extract<DatabaseTarget, { kind: 'server' }>): Secret {
  return withTls(db.url, db.tls);
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
  /** Seconds to wait for another backup on the same target (default: the setting). */
  waitSeconds?: number;
  pgBin?: string;
  /** Take the snapshot on DATABASE_READ_URL (a streaming replica) instead of the primary. */
  fromReplica?: boolean;
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

/** `--from-replica`: the replica's URL for the snapshot, and its replay lag for the manifest. */
async function replicaSource(config: Config) {
  if (!config.readReplicaUrl)
    throw new UsageError('--from-replica needs DATABASE_READ_URL (the read replica)', {
      code: 'replica_missing',
      suggestion: 'Set DATABASE_READ_URL to a streaming replica of the database, or drop --from-replica.',
    });
  const probe = (await probeReadReplica(config, undefined))!;
  if (!probe.reachable)
    throw new UnavailableError(`the read replica is not reachable: ${probe.error}`, {
      code: 'replica_unreachable',
      suggestion: 'Start the replica or fix DATABASE_READ_URL, or back up the primary (drop --from-replica).',
    });
  if (!probe.inRecovery)
    throw new ConfigError(`DATABASE_READ_URL (${probe.where}) is not a standby`, {
      code: 'replica_not_standby',
      suggestion:
        'Point DATABASE_READ_URL at a streaming replica, or back up the primary (drop --from-replica).',
    });
  const lagSeconds = probe.lagSeconds ?? 0;
  return {
    url: withTls(config.readReplicaUrl, tlsFromConfig(config)),
    where: probe.where,
    source: { from: 'replica' as const, where: probe.where, lagSeconds },
  };
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
  if (options.fromReplica && db.kind === 'embedded')
    throw new UsageError('--from-replica backs up a server database; the embedded one has no replica', {
      code: 'usage',
    });
  const lease = await acquireLease(backupStore, {
    waitMs: (options.waitSeconds ?? config.backupLeaseWaitSeconds) * 1000,
    signal: options.signal,
  });
  try {
    return await backupUnderLease(config, options, backupStore, lease, {
      db,
      key,
      compression,
      hasRetention,
    });
  } finally {
    await lease.release();
  }
}

async function backupUnderLease(
  config: Config,
  options: BackupCommandOptions,
  backupStore: BackupStore,
  lease: BackupLease,
  run: { db: DatabaseTarget; key?: BackupKey; compression: Compression; hasRetention: boolean },
): Promise<BackupRun> {
  const { db, key, compression, hasRetention } = run;
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
          database: db.database,
          lease,
          ...(options.fromReplica
            ? await replicaSource(config)
            : {
                url: serverUrl(db),
                where: describeDatabaseTarget(db),
              }),
          pgBin: options.pgBin ?? config.pgBin,
          type: options.type,
          compression,
          key,
          jobs: options.jobs,
          signal: options.signal,
          onProgress: options.onProgress,
        });
  const totals = result.manifest.totals;
  lease.check();
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
): Promise<{ where: string; backups: BackupManifest[]; skipped: Catalog['skipped'] }> {
  const backupStore = await store(config, target);
  const catalog = await readCatalog(backupStore);
  return { where: backupStore.where, backups: catalog.manifests, skipped: catalog.skipped };
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
  const restored = await restoreServer({
    store: backupStore,
    manifest,
    key,
    targetUrl: withDatabase(serverUrl(db), scratch),
    create: true,
    jobs: options.jobs ?? 2,
    pgBin: options.pgBin ?? config.pgBin,
    confirm: async () => false,
  });
  const { dropDatabase } = await import('./scratch.js');
  await dropDatabase(serverUrl(db), scratch, db.host);
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
    sourceUrl: source.kind === 'server' ? serverUrl(source) : undefined,
    targetUrl: options.target ? withTls(new Secret(options.target), tlsFromConfig(config)) : undefined,
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

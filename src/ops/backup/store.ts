import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../config/schema.js';
import { ConfigError, UsageError } from '../../errors.js';

export interface StoredEntry {
  key: string;
  size: number;
  modified: Date;
}

/**
 * Where backups live. Keys are relative paths ("manifests/x.json", "objects/…"). `write` makes
 * an object visible only when it is complete (rename of a temp file; a committed block list).
 */
export interface BackupStore {
  /** Printable location, never a credential. */
  readonly where: string;
  write(key: string, source: Readable, signal?: AbortSignal): Promise<void>;
  read(key: string): Promise<Readable>;
  stat(key: string): Promise<StoredEntry | undefined>;
  list(prefix: string): Promise<StoredEntry[]>;
  remove(key: string): Promise<void>;
  writeText(key: string, text: string): Promise<void>;
  readText(key: string): Promise<string>;
  /**
   * Takes the lease `key` when it is free, or when its holder is provably gone (a dead process
   * on this host, or no heartbeat within `ttlMs`); otherwise says who holds it.
   */
  tryLease(key: string, holder: LeaseHolder, ttlMs: number): Promise<LeaseAttempt>;
  /** Where readers report what they skipped (one line each, no credentials). */
  warn?: (message: string) => void;
}

export interface LeaseHolder {
  token: string;
  host: string;
  pid: number;
  since: string;
}

export interface HeldLease {
  /** The heartbeat; rejects when the lease was lost (taken over after a missed heartbeat). */
  renew(): Promise<void>;
  release(): Promise<void>;
}

export type LeaseAttempt = { held: HeldLease } | { busy: Partial<LeaseHolder> };

export type TargetSpec =
  | { kind: 'folder'; path: string }
  | { kind: 'azure'; container: string; prefix: string; accountUrl?: string };

/** Parses a target: `file:///path`, a plain path, `azure://container/prefix` or `https://acct.blob…/container/prefix`. */
export function parseTarget(target: string | undefined, config: Pick<Config, 'backupContainer'>): TargetSpec {
  if (!target) {
    throw new UsageError('no backup target given', {
      code: 'backup_target_missing',
      suggestion:
        'Pass --target /path/to/folder or --target azure://container/prefix (or set MCPOPS_BACKUP_TARGET).',
    });
  }
  if (target.startsWith('file://')) return { kind: 'folder', path: fileURLToPath(target) };
  if (target.startsWith('azure://')) {
    const rest = target.slice('azure://'.length).replace(/^\/+/, '');
    const [container, ...prefix] = rest.split('/');
    return {
      kind: 'azure',
      container: container || config.backupContainer,
      prefix: cleanPrefix(prefix.join('/')),
    };
  }
  if (/^https:\/\/[^/]+\.blob\.core\.windows\.net\//.test(target)) {
    const url = new URL(target);
    const [container, ...prefix] = url.pathname.replace(/^\/+/, '').split('/');
    if (!container)
      throw new UsageError('the Blob URL names no container', { code: 'backup_target_invalid' });
    return { kind: 'azure', container, prefix: cleanPrefix(prefix.join('/')), accountUrl: url.origin };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
    throw new UsageError(`unsupported backup target scheme in ${target.split('://')[0]}://`, {
      code: 'backup_target_invalid',
      suggestion: 'Use a folder path, file:///path or azure://container/prefix.',
    });
  }
  return { kind: 'folder', path: resolve(target) };
}

function cleanPrefix(prefix: string): string {
  const clean = prefix.replace(/^\/+|\/+$/g, '');
  if (clean.split('/').some((part) => part === '..')) {
    throw new UsageError('the backup prefix may not contain ..', { code: 'backup_target_invalid' });
  }
  return clean;
}

export async function openStore(
  spec: TargetSpec,
  config: Config,
  options: { create?: boolean } = {},
): Promise<BackupStore> {
  if (spec.kind === 'folder') {
    const { openFolderStore } = await import('./store-folder.js');
    return openFolderStore(spec.path, options);
  }
  const { openAzureStore } = await import('./store-azure.js');
  return openAzureStore(spec, config, options);
}

type AzureSpec = Extract<TargetSpec, { kind: 'azure' }>;

/**
 * The Azure target the config names: the backup target when it is on Blob Storage, else the
 * backup container when Blob credentials are configured; undefined when Blob is not in use.
 */
export function configuredAzureTarget(config: Config): AzureSpec | undefined {
  const target = config.backupTarget;
  if (target && (target.startsWith('azure://') || target.startsWith('https://'))) {
    const spec = parseTarget(target, config);
    return spec.kind === 'azure' ? spec : undefined;
  }
  if (!config.azureStorageConnectionString && !config.azureStorageAccount) return undefined;
  return { kind: 'azure', container: config.backupContainer, prefix: '' };
}

/**
 * The one Blob client of mcpops (backup, restore, health, cost-estimate). Credentials in the
 * order the established tools try them: connection string, SAS token, account key, then
 * DefaultAzureCredential on the account URL.
 */
export async function blobServiceClient(config: Config, targetAccountUrl?: string) {
  const blob = await import('@azure/storage-blob');
  const retryOptions = { maxTries: 3, retryDelayInMs: 500, maxRetryDelayInMs: 2000 };
  const account = config.azureStorageAccount;
  const accountUrl = targetAccountUrl ?? (account ? `https://${account}.blob.core.windows.net` : undefined);
  if (config.azureStorageConnectionString) {
    return {
      client: blob.BlobServiceClient.fromConnectionString(config.azureStorageConnectionString.reveal(), {
        retryOptions,
      }),
      auth: 'connection string',
    };
  }
  requireConfig(
    accountUrl,
    'no Blob Storage account configured',
    'Set AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT with a SAS token, account key or an Azure identity.',
  );
  if (config.azureStorageSasToken) {
    const sas = config.azureStorageSasToken.reveal().replace(/^\?/, '');
    return {
      client: new blob.BlobServiceClient(`${accountUrl}?${sas}`, undefined, { retryOptions }),
      auth: 'SAS',
    };
  }
  if (config.azureStorageKey) {
    requireConfig(account, 'AZURE_STORAGE_KEY needs AZURE_STORAGE_ACCOUNT', 'Set AZURE_STORAGE_ACCOUNT.');
    const credential = new blob.StorageSharedKeyCredential(account, config.azureStorageKey.reveal());
    return {
      client: new blob.BlobServiceClient(accountUrl, credential, { retryOptions }),
      auth: 'account key',
    };
  }
  const { DefaultAzureCredential } = await import('@azure/identity');
  return {
    client: new blob.BlobServiceClient(accountUrl, new DefaultAzureCredential(), { retryOptions }),
    auth: 'DefaultAzureCredential',
  };
}

export function requireConfig(condition: unknown, message: string, suggestion: string): asserts condition {
  if (!condition) throw new ConfigError(message, { code: 'backup_storage_config', suggestion });
}

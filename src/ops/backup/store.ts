import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../config/schema.js';
import { UsageError } from '../../errors.js';
import type { BackupStore, TargetSpec } from './store-types.js';

export type {
  BackupStore,
  HeldLease,
  LeaseAttempt,
  LeaseHolder,
  StoredEntry,
  TargetSpec,
} from './store-types.js';

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

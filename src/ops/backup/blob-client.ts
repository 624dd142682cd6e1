import type { Config } from '../../config/schema.js';
import { ConfigError } from '../../errors.js';

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

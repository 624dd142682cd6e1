import type { Readable } from 'node:stream';
import type { Config } from '../../config/schema.js';
import { ConfigError, McpopsError, OperationError, UnavailableError } from '../../errors.js';
import { type BackupStore, requireConfig, type StoredEntry, type TargetSpec } from './store.js';

const BLOCK_BYTES = 4 * 1024 * 1024;
const UPLOAD_CONCURRENCY = 3;

type AzureSpec = Extract<TargetSpec, { kind: 'azure' }>;

/** Maps SDK failures to exit codes: unreachable 69, refused credentials 78, anything else 2. */
function storageError(error: unknown, what: string, where: string): McpopsError {
  if (error instanceof McpopsError) return error;
  const e = error as { statusCode?: number; code?: string; message?: string; name?: string };
  if (e.name === 'AbortError')
    return new OperationError(`${what} aborted`, { code: 'backup_aborted', cause: error });
  if (e.statusCode === 403 || e.statusCode === 401) {
    return new ConfigError(`Blob Storage refused the credentials while trying to ${what} (${where})`, {
      code: 'backup_storage_auth',
      suggestion:
        'Check AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_SAS_TOKEN (and its permissions/expiry) or AZURE_STORAGE_KEY.',
      cause: error,
    });
  }
  if (!e.statusCode) {
    return new UnavailableError(
      `Blob Storage is unreachable (${where}): ${e.code ?? e.message?.split('\n')[0]}`,
      {
        code: 'backup_storage_unreachable',
        suggestion: 'Check the account URL / connection string and the network path to it.',
        cause: error,
      },
    );
  }
  return new OperationError(`Blob Storage failed to ${what} (${where}): HTTP ${e.statusCode}`, {
    code: 'backup_storage_failed',
    cause: error,
  });
}

/**
 * Credentials in the order the established tools try them: connection string, SAS token,
 * account key, then DefaultAzureCredential on the account URL.
 */
async function serviceClient(spec: AzureSpec, config: Config) {
  const blob = await import('@azure/storage-blob');
  const retryOptions = { maxTries: 3, retryDelayInMs: 500, maxRetryDelayInMs: 2000 };
  const account = config.azureStorageAccount;
  const accountUrl = spec.accountUrl ?? (account ? `https://${account}.blob.core.windows.net` : undefined);
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

export async function openAzureStore(
  spec: AzureSpec,
  config: Config,
  options: { create?: boolean },
): Promise<BackupStore> {
  const { client } = await serviceClient(spec, config);
  const container = client.getContainerClient(spec.container);
  const where = `azure://${spec.container}${spec.prefix ? `/${spec.prefix}` : ''}`;
  const name = (key: string) => (spec.prefix ? `${spec.prefix}/${key}` : key);
  try {
    if (options.create) await container.createIfNotExists();
    else if (!(await container.exists())) {
      throw new OperationError(`container ${spec.container} does not exist`, {
        code: 'backup_container_missing',
        suggestion: 'Check the target, or run a backup to it first.',
      });
    }
  } catch (error) {
    throw storageError(error, 'open the container', where);
  }
  const notFound = (key: string, cause?: unknown) =>
    new OperationError(`object ${key} is missing from ${where}`, {
      code: 'backup_object_missing',
      suggestion: 'The backup is damaged; restore another one (`mcpops backup list`).',
      cause,
    });

  return {
    where,
    async write(key, source: Readable, signal) {
      // Blocks stay uncommitted (invisible) until the whole stream has gone through.
      try {
        await container
          .getBlockBlobClient(name(key))
          .uploadStream(source, BLOCK_BYTES, UPLOAD_CONCURRENCY, { abortSignal: signal });
      } catch (error) {
        source.destroy();
        throw storageError(error, `upload ${key}`, where);
      }
    },
    async read(key) {
      try {
        const response = await container.getBlobClient(name(key)).download();
        return response.readableStreamBody as Readable;
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) throw notFound(key, error);
        throw storageError(error, `download ${key}`, where);
      }
    },
    async stat(key) {
      try {
        const props = await container.getBlobClient(name(key)).getProperties();
        return { key, size: props.contentLength ?? 0, modified: props.lastModified ?? new Date(0) };
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) return undefined;
        throw storageError(error, `read properties of ${key}`, where);
      }
    },
    async list(prefix) {
      const out: StoredEntry[] = [];
      const strip = spec.prefix ? spec.prefix.length + 1 : 0;
      try {
        for await (const item of container.listBlobsFlat({ prefix: name(prefix) })) {
          out.push({
            key: item.name.slice(strip),
            size: item.properties.contentLength ?? 0,
            modified: item.properties.lastModified ?? new Date(0),
          });
        }
      } catch (error) {
        throw storageError(error, `list ${prefix}`, where);
      }
      return out;
    },
    async remove(key) {
      try {
        await container.getBlobClient(name(key)).deleteIfExists();
      } catch (error) {
        throw storageError(error, `delete ${key}`, where);
      }
    },
    async writeText(key, text) {
      try {
        await container.getBlockBlobClient(name(key)).upload(text, Buffer.byteLength(text), {
          blobHTTPHeaders: { blobContentType: 'application/json' },
        });
      } catch (error) {
        throw storageError(error, `upload ${key}`, where);
      }
    },
    async readText(key) {
      try {
        const buffer = await container.getBlobClient(name(key)).downloadToBuffer();
        return buffer.toString('utf8');
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) throw notFound(key, error);
        throw storageError(error, `download ${key}`, where);
      }
    },
  };
}

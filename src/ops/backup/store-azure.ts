import { hostname } from 'node:os';
import type { Readable } from 'node:stream';
import type { Config } from '../../config/schema.js';
import { ConfigError, McpopsError, OperationError, UnavailableError } from '../../errors.js';
import { blobServiceClient } from './blob-client.js';
import { pidAlive } from './manifest.js';
import type { BackupStore, LeaseAttempt, LeaseHolder, StoredEntry, TargetSpec } from './store-types.js';

/**
 * Each upload holds UPLOAD_CONCURRENCY blocks of BLOCK_BYTES (the SDK's pooled buffers), and
 * `--jobs` tables upload at once. Two blocks in flight per table keep the link busy as well as
 * three did (measured on the backup benchmark) for 8 MiB less per table.
 */
const BLOCK_BYTES = 4 * 1024 * 1024;
const UPLOAD_CONCURRENCY = 2;

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

export async function openAzureStore(
  spec: AzureSpec,
  config: Config,
  options: { create?: boolean },
): Promise<BackupStore> {
  const { client } = await blobServiceClient(config, spec.accountUrl);
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

  /**
   * A Blob lease on an empty lock blob: the service hands it to one caller, the heartbeat
   * renews it, and it expires by itself when its holder stops (15–60 s). The holder's host and
   * pid ride in the metadata, so a holder that died on this host is broken at once.
   */
  async function tryLease(key: string, holder: LeaseHolder, ttlMs: number): Promise<LeaseAttempt> {
    const blob = container.getBlockBlobClient(name(key));
    const seconds = Math.min(60, Math.max(15, Math.round(ttlMs / 1000)));
    try {
      await blob.upload('', 0, { conditions: { ifNoneMatch: '*' } }).catch((error: unknown) => {
        const status = (error as { statusCode?: number }).statusCode;
        if (status !== 409 && status !== 412) throw error;
      });
      const leases = blob.getBlobLeaseClient(holder.token);
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          await leases.acquireLease(seconds);
        } catch (error) {
          if ((error as { statusCode?: number }).statusCode !== 409) throw error;
          const meta = (await blob.getProperties()).metadata ?? {};
          const current: Partial<LeaseHolder> = { host: meta.host, pid: Number(meta.pid), since: meta.since };
          const dead = current.host === hostname() && current.pid && !pidAlive(current.pid);
          if (!dead || attempt > 0) return { busy: current };
          await blob.getBlobLeaseClient().breakLease(0);
          continue;
        }
        await blob.setMetadata(
          { host: holder.host, pid: String(holder.pid), since: holder.since },
          { conditions: { leaseId: holder.token } },
        );
        return {
          held: {
            async renew() {
              await leases.renewLease();
            },
            async release() {
              await leases.releaseLease();
            },
          },
        };
      }
      return { busy: {} };
    } catch (error) {
      throw storageError(error, 'take the backup lease', where);
    }
  }

  return {
    where,
    tryLease,
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

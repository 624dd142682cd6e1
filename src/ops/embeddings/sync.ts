import type { Config } from '../../config/schema.js';
import type { SyncOptions, SyncReport } from '../../embeddings/sync.js';
import { openDatabase } from '../bootstrap/open.js';

/**
 * `embeddings sync` on the configured database: the configured provider embeds the products that
 * lack a vector of their current text. The provider and the database are closed whatever happens.
 */
export async function runEmbeddingsSync(
  config: Config,
  request: SyncOptions & { concurrency: number },
): Promise<SyncReport> {
  const [{ createEmbeddingProvider }, { syncEmbeddings }] = await Promise.all([
    import('../../embeddings/index.js'),
    import('../../embeddings/sync.js'),
  ]);
  const provider = await createEmbeddingProvider(config);
  const db = await openDatabase(config, {
    max: request.concurrency + 2,
    applicationName: `${config.applicationName}-embeddings`,
  });
  try {
    return await syncEmbeddings(db.pool, provider, request);
  } finally {
    await provider.close?.();
    await db.close().catch(() => {});
  }
}

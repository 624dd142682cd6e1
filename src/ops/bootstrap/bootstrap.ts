import type pg from 'pg';
import type { Config } from '../../config/schema.js';
import { type InitProgress, type InitReport, initDatabase, type SampleScale } from '../../db/init/index.js';

export interface BootstrapOptions {
  sampleData: boolean;
  scale: SampleScale;
  force?: boolean;
  signal?: AbortSignal;
  /**
   * Product vectors with the configured provider (`db init`), or only with an offline one
   * (the embedded first start, which never calls a cloud service on its own).
   */
  embeddings: 'configured' | 'offline-only';
  onProgress?: (stage: string, done?: number, total?: number) => void;
}

export interface BootstrapReport {
  init: InitReport;
  /** Actions beyond initDatabase's (the product embeddings), for the report. */
  actions: string[];
}

/**
 * The one way a Zava database is built, for `mcpops db init` and the embedded first start alike:
 * schema, roles, RLS and sample (initDatabase), then the sample's product embeddings. The
 * embeddings come after init, not in its afterSampleData hook: init holds a connection there,
 * and the embedded database's pool has only one.
 */
export async function bootstrapZava(
  pool: pg.Pool,
  config: Config,
  options: BootstrapOptions,
): Promise<BootstrapReport> {
  const progress = options.onProgress ?? (() => {});
  const init = await initDatabase(pool, {
    sampleData: options.sampleData,
    scale: options.scale,
    force: options.force,
    readerRole: config.serveRole,
    loginRole: config.serveLoginRole,
    loginPassword: config.serveLoginPassword?.reveal(),
    signal: options.signal,
    onProgress: (p: InitProgress) => progress(p.phase, p.done, p.total),
  });
  const actions: string[] = [];
  if (!init.sampleLoaded) return { init, actions };
  if (options.embeddings === 'offline-only' && config.embeddingProvider === 'azure-openai') {
    progress(
      `product embeddings skipped (provider ${config.embeddingProvider}); run \`mcpops embeddings sync\``,
    );
    return { init, actions };
  }
  const [{ createEmbeddingProvider }, { embedSampleData }] = await Promise.all([
    import('../../embeddings/index.js'),
    import('../../embeddings/sync.js'),
  ]);
  const provider = await createEmbeddingProvider(config);
  const embedded = await embedSampleData(pool, provider, {
    signal: options.signal,
    onProgress: (p) => progress('embedding products', p.done, p.total),
  }).finally(() => provider.close?.()); // serve loads a model again only when a search needs it
  if (embedded) {
    actions.push(`embedded ${embedded.embedded} products with ${provider.name}/${provider.model}`);
    init.rowCounts.product_description_embeddings = embedded.products - embedded.remaining;
  }
  return { init, actions };
}

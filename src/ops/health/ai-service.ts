import { loadSql } from '../../db/sql-files.js';
import { type HealthCheck, judge } from './types.js';

export const vectorCheck: HealthCheck = {
  id: 'ai.vector',
  component: 'ai_service',
  database: true,
  async run(ctx) {
    const [row] = await ctx.db!.query(loadSql('health/embeddings'));
    return {
      status: row.vector_version ? 'OK' : 'WARNING',
      value: row.vector_version ?? null,
      threshold: null,
      message: row.vector_version
        ? `pgvector ${row.vector_version} installed`
        : 'the vector extension is not installed: semantic search cannot run',
      remedy: row.vector_version
        ? null
        : 'Install pgvector on the server and run CREATE EXTENSION vector (mcpops db init does it when available).',
    };
  },
};

export const embeddingsFreshnessCheck: HealthCheck = {
  id: 'ai.embeddings',
  component: 'ai_service',
  database: true,
  async run(ctx) {
    const [present] = await ctx.db!.query(loadSql('health/embeddings'));
    if (!present.has_tables) return { skip: 'no retail.products / product_description_embeddings tables' };
    const [row] = await ctx.db!.query(loadSql('health/embeddings-missing'));
    const products = Number(row.products);
    const missing = Number(row.missing);
    const ratio = products > 0 ? missing / products : 0;
    const t = ctx.thresholds.embeddings_missing;
    const status = judge(ratio, t);
    return {
      status,
      value: missing,
      threshold: t,
      message: `${missing} of ${products} products have no description embedding (${(ratio * 100).toFixed(1)} %)`,
      remedy: status === 'OK' ? null : 'Run `mcpops embeddings sync` to embed the products that lack one.',
      perfdata: [{ label: 'embeddings_missing', value: missing, min: 0, max: products }],
    };
  },
};

/**
 * The stored vectors were made by the configured provider and model: serve refuses to compare a
 * query vector from another model, so a mismatch means semantic search is down until a re-sync.
 */
export const embeddingModelCheck: HealthCheck = {
  id: 'ai.embedding_model',
  component: 'ai_service',
  database: true,
  async run(ctx) {
    const client = await ctx.db!.pool.connect();
    let stored: Awaited<ReturnType<typeof import('../../embeddings/store.js').readStamp>>;
    try {
      const [support] = (await client.query(loadSql('embeddings/support'))).rows;
      if (!support.installed || !support.has_stamp)
        return { skip: 'no embeddings recorded yet (pgvector or a first sync missing)' };
      const { readStamp } = await import('../../embeddings/store.js');
      stored = await readStamp(client);
    } finally {
      client.release();
    }
    if (!stored) return { skip: 'no embeddings recorded yet (run mcpops embeddings sync)' };
    const { createEmbeddingProvider, describeModel, sameModel, stampOf } = await import(
      '../../embeddings/index.js'
    );
    let configured: ReturnType<typeof stampOf>;
    try {
      configured = stampOf(await createEmbeddingProvider(ctx.config));
    } catch {
      return { skip: 'the embedding provider is not fully configured (see ai.provider)' };
    }
    const same = sameModel(stored, configured);
    return {
      status: same ? 'OK' : 'WARNING',
      value: describeModel(stored),
      threshold: null,
      message: same
        ? `stored vectors made by ${describeModel(stored)}, as configured`
        : `stored vectors were made by ${describeModel(stored)} but ${describeModel(configured)} is configured: semantic search refuses to compare them`,
      remedy: same
        ? null
        : 'Run `mcpops embeddings sync` to re-embed with the configured model, or configure the provider that made them.',
    };
  },
};

/** A cheap call (one short input) to the configured Azure OpenAI deployment; local needs no network. */
export const providerCheck: HealthCheck = {
  id: 'ai.provider',
  component: 'ai_service',
  async run(ctx) {
    const { config } = ctx;
    if (config.embeddingProvider !== 'azure-openai')
      return { skip: 'embeddings are computed locally (no provider to reach)' };
    if (!config.azureOpenaiEndpoint)
      return {
        status: 'CRITICAL',
        value: null,
        threshold: null,
        message: 'embeddingProvider is azure-openai but AZURE_OPENAI_ENDPOINT is not set',
        remedy: 'Set AZURE_OPENAI_ENDPOINT (and AZURE_OPENAI_API_KEY or an Entra identity).',
      };
    const { createAzureOpenAiProvider } = await import('../../embeddings/azure-openai.js');
    const provider = createAzureOpenAiProvider({
      endpoint: config.azureOpenaiEndpoint,
      deployment: config.embeddingDeployment,
      apiVersion: config.azureOpenaiApiVersion,
      apiKey: config.azureOpenaiApiKey,
      timeoutMs: Math.max(100, ctx.remainingMs() - 50),
      retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
    });
    const started = performance.now();
    const host = new URL(config.azureOpenaiEndpoint).host;
    try {
      await provider.embed(['health check'], ctx.signal);
    } catch (error) {
      return {
        status: 'CRITICAL',
        value: null,
        threshold: null,
        message: `embeddings deployment ${config.embeddingDeployment} at ${host} failed: ${(error as Error).message.split('\n')[0]}`,
        remedy:
          (error as { suggestion?: string }).suggestion ??
          'Check AZURE_OPENAI_ENDPOINT, the deployment name and the key or identity.',
      };
    }
    const ms = performance.now() - started;
    const t = ctx.thresholds.http_latency_ms;
    const status = judge(ms, t);
    return {
      status,
      value: Math.round(ms),
      unit: 'ms',
      threshold: t,
      message: `embeddings deployment ${config.embeddingDeployment} at ${host} answered in ${Math.round(ms)} ms`,
      remedy:
        status === 'OK'
          ? null
          : 'The endpoint is slow: check its region and quota (429s) in the Azure portal.',
      perfdata: [{ label: 'embeddings_latency', value: Math.round(ms), uom: 'ms', warn: t.warn, min: 0 }],
    };
  },
};

import type { Config } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import type { AzureOpenAiOptions } from './azure-openai.js';
import type { EmbeddingProvider, EmbeddingProviderName } from './types.js';

export type { EmbeddingModelStamp, EmbeddingProvider, EmbeddingProviderName } from './types.js';
export { describeModel, EMBEDDING_DIMENSIONS, OFFLINE_PROVIDERS, sameModel, stampOf } from './types.js';

export type ProviderConfig = Pick<
  Config,
  | 'embeddingProvider'
  | 'azureOpenaiEndpoint'
  | 'azureOpenaiApiKey'
  | 'embeddingDeployment'
  | 'azureOpenaiApiVersion'
>;

/** The configured provider (or `override`, e.g. `--provider`). Azure code loads only when chosen. */
export async function createEmbeddingProvider(
  config: ProviderConfig,
  override?: EmbeddingProviderName,
  azureOptions: Partial<AzureOpenAiOptions> = {},
): Promise<EmbeddingProvider> {
  const name = override ?? config.embeddingProvider;
  if (name === 'local') {
    const { createLocalProvider } = await import('./local.js');
    return createLocalProvider();
  }
  if (name === 'use-lite') {
    // Only the thin main-thread side: the model loads in a worker on the first embed.
    const { createUseLiteProvider } = await import('./use-lite.js');
    return createUseLiteProvider();
  }
  if (!config.azureOpenaiEndpoint)
    throw new ConfigError('the azure-openai embedding provider needs an endpoint', {
      code: 'embeddings_endpoint',
      suggestion:
        'Set AZURE_OPENAI_ENDPOINT (https://<resource>.openai.azure.com), or use MCPOPS_EMBEDDING_PROVIDER=use-lite (offline).',
    });
  const { createAzureOpenAiProvider } = await import('./azure-openai.js');
  return createAzureOpenAiProvider({
    endpoint: config.azureOpenaiEndpoint,
    deployment: config.embeddingDeployment,
    apiVersion: config.azureOpenaiApiVersion,
    apiKey: config.azureOpenaiApiKey,
    ...azureOptions,
  });
}

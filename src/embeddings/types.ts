export type EmbeddingProviderName = 'local' | 'azure-openai';

/** The column the vectors live in is vector(1536); every provider must produce exactly this. */
export const EMBEDDING_DIMENSIONS = 1536;

/** Turns texts into vectors. One implementation per provider; the rest of mcpops sees only this. */
export interface EmbeddingProvider {
  readonly name: EmbeddingProviderName;
  /** What made the vectors (a model or deployment name); vectors of different models never compare. */
  readonly model: string;
  readonly dimensions: number;
  /** One vector per text, in order. Rejects with a McpopsError; honours `signal` (Ctrl-C). */
  embed(texts: string[], signal?: AbortSignal): Promise<number[][]>;
}

/** What the database records about the stored vectors. */
export interface EmbeddingModelStamp {
  provider: EmbeddingProviderName;
  model: string;
  dimensions: number;
}

export function stampOf(provider: EmbeddingProvider): EmbeddingModelStamp {
  return { provider: provider.name, model: provider.model, dimensions: provider.dimensions };
}

export function sameModel(a: EmbeddingModelStamp, b: EmbeddingModelStamp): boolean {
  return a.provider === b.provider && a.model === b.model && a.dimensions === b.dimensions;
}

export function describeModel(stamp: EmbeddingModelStamp): string {
  return `${stamp.provider}/${stamp.model} (${stamp.dimensions} dimensions)`;
}

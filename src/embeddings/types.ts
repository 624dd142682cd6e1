export type EmbeddingProviderName = 'local' | 'use-lite' | 'azure-openai';

/** The providers that need no network: their vectors can be made wherever mcpops runs. */
export const OFFLINE_PROVIDERS: readonly EmbeddingProviderName[] = ['local', 'use-lite'];

/**
 * The column the vectors live in is vector(1536) (the Zava shape); every provider fills exactly
 * this (use-lite: 512 meaning + 1024 hashed-word dimensions).
 */
export const EMBEDDING_DIMENSIONS = 1536;

/** Turns texts into vectors. One implementation per provider; the rest of mcpops sees only this. */
export interface EmbeddingProvider {
  readonly name: EmbeddingProviderName;
  /** What made the vectors (a model or deployment name); vectors of different models never compare. */
  readonly model: string;
  readonly dimensions: number;
  /** One vector per text, in order. Rejects with a McpopsError; honours `signal` (Ctrl-C). */
  embed(texts: string[], signal?: AbortSignal): Promise<number[][]>;
  /** Frees what the provider loaded (use-lite's model worker); it loads again on the next embed. */
  close?(): Promise<void>;
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

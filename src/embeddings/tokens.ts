/**
 * Token and cost estimates for `embeddings sync --dry-run` and for sizing request batches.
 * English product text averages about four characters per token with OpenAI's tokenisers;
 * this is an estimate, not a tokeniser: the bill counts real tokens.
 */
export const CHARS_PER_TOKEN = 4;

/** USD per million input tokens, Azure OpenAI Global Standard (reference table, 2026-11-24). */
const PRICES: Array<[RegExp, number]> = [
  [/3-large/, 0.13],
  [/ada-002/, 0.1],
  [/3-small/, 0.02],
];
export const DEFAULT_USD_PER_MILLION_TOKENS = 0.02;

/** The price for a deployment named after its model; unknown names are priced as text-embedding-3-small. */
export function usdPerMillionTokens(model: string): number {
  return PRICES.find(([pattern]) => pattern.test(model))?.[1] ?? DEFAULT_USD_PER_MILLION_TOKENS;
}

export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / CHARS_PER_TOKEN));
}

export function estimateTokensForChars(chars: number, texts: number): number {
  return texts === 0 ? 0 : Math.max(texts, Math.ceil(chars / CHARS_PER_TOKEN));
}

export function estimateCostUsd(tokens: number, model = 'text-embedding-3-small'): number {
  return (tokens / 1_000_000) * usdPerMillionTokens(model);
}

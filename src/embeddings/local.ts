import { EMBEDDING_DIMENSIONS, type EmbeddingProvider } from './types.js';

/**
 * The offline embedding: signed feature hashing of normalised, lightly stemmed words, word
 * bigrams and character 3–5-grams, with sublinear term weights, L2-normalised. It captures
 * shared words, word pairs and word parts (drill / drills / drilling), not meaning: "faucet"
 * and "tap" are unrelated to it. Deterministic: the same text gives the same vector anywhere.
 */
export const LOCAL_MODEL = 'mcpops-local-hash-v1';

// Feature groups live in the low two bits of a feature key, so one map holds all of them.
const WORD = 0;
const BIGRAM = 1;
const CHARS = 2;
/** Relative weights: whole words dominate; parts of words make morphology count a little. */
const GROUP_WEIGHT = [1, 0.6, 0.22, 0];
const SEED = [0x811c9dc5, 0x01000193, 0x9e3779b9, 0];

/**
 * Hashed sparse features give unrelated texts a cosine near 0 and related ones only 0.2–0.5,
 * while the Zava threshold (30 %) was set for OpenAI's scale, where unrelated text sits near
 * 0.1–0.2. Every non-empty vector therefore carries the same component in dimension 0, sized so
 * that cos' = SHARED + (1 − SHARED) × cos: an exact affine map that keeps every ranking and
 * puts the 30 % threshold at a lexical cosine of about 0.18 (docs/embeddings.md has the numbers).
 */
export const SHARED_SIMILARITY = 0.15;
const SHARED_COMPONENT = Math.sqrt(SHARED_SIMILARITY / (1 - SHARED_SIMILARITY));

/** The similarity percent a search reports for a lexical cosine (and back), for the docs and tests. */
export function reportedSimilarity(lexicalCosine: number): number {
  return SHARED_SIMILARITY + (1 - SHARED_SIMILARITY) * lexicalCosine;
}

const STOPWORDS = new Set(
  (
    'a an and are as at be by for from has have in into is it its of on or our so that the their ' +
    'this to was were will with you your can more most very any all than then also each per'
  ).split(' '),
);

/** A light suffix stripper (no dictionary): enough to fold plurals and common verb forms. */
export function stem(word: string): string {
  const n = word.length;
  if (n <= 3 || word.charCodeAt(0) < 97) return word;
  if (word.endsWith('ies') && n > 4) return `${word.slice(0, -3)}y`;
  if (word.endsWith('sses')) return word.slice(0, -2);
  if (word.endsWith('ing') && n > 5) return undouble(word.slice(0, -3));
  if (word.endsWith('ed') && n > 4 && !word.endsWith('eed')) return undouble(word.slice(0, -2));
  if (word.endsWith('s') && !word.endsWith('ss') && !word.endsWith('us') && !word.endsWith('is'))
    return word.slice(0, -1);
  return word;
}

function undouble(word: string): string {
  const n = word.length;
  const last = word.charCodeAt(n - 1);
  if (n > 3 && last === word.charCodeAt(n - 2) && last !== 108 && last !== 115 && last !== 122)
    return word.slice(0, -1);
  return word;
}

/** Lower case, accents folded, anything but letters and digits is a separator. */
export function tokenize(text: string): string[] {
  let s = text.toLowerCase();
  // Accents are folded only when there is a non-ASCII character (the common case skips it).
  if (/[^\x00-\x7f]/.test(s)) s = s.normalize('NFKD').replace(/\p{M}+/gu, '');
  const words: string[] = [];
  for (const raw of s.split(/[^\p{L}\p{N}]+/u)) {
    if (raw.length === 0 || STOPWORDS.has(raw)) continue;
    words.push(stem(raw));
  }
  return words;
}

function hashString(seed: number, s: string): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h;
}

/** murmur3's finaliser: spreads FNV's weak low bits before the bucket and sign are taken. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function add(counts: Map<number, number>, hash: number, group: number): void {
  const key = (hash & ~3) | group;
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** The feature counts of one text (exported for tests and the benchmark). */
export function featureCounts(text: string, counts = new Map<number, number>()): Map<number, number> {
  counts.clear();
  const words = tokenize(text);
  let previous = 0;
  for (let w = 0; w < words.length; w++) {
    const word = words[w];
    const h = hashString(SEED[WORD], word);
    add(counts, h, WORD);
    if (w > 0) add(counts, Math.imul(previous ^ 0x5bd1e995, 31) ^ h, BIGRAM);
    previous = h;
    // Character n-grams of "<word>", boundaries included, hashed incrementally.
    const padded = `<${word}>`;
    const n = padded.length;
    for (let i = 0; i + 3 <= n; i++) {
      let g = SEED[CHARS];
      const end = Math.min(n, i + 5);
      for (let j = i; j < end; j++) {
        g ^= padded.charCodeAt(j);
        g = Math.imul(g, 0x01000193);
        if (j - i >= 2) add(counts, g, CHARS);
      }
    }
  }
  return counts;
}

/**
 * Embeds one text into `out` (length `dimensions`), unit length: dimension 0 holds the shared
 * component, the features are hashed into the others. A text with no words is all zeros (it
 * is close to nothing, rather than equally close to everything).
 */
export function embedLocal(
  text: string,
  out: Float64Array,
  counts = new Map<number, number>(),
): Float64Array {
  out.fill(0);
  const buckets = out.length - 1;
  for (const [key, tf] of featureCounts(text, counts)) {
    const weight = GROUP_WEIGHT[key & 3] * (1 + Math.log(tf));
    const m = fmix(key);
    const index = 1 + (m % buckets);
    out[index] += (Math.imul(m, 0x27d4eb2d) & 0x80000000) === 0 ? weight : -weight;
  }
  let norm = 0;
  for (let i = 1; i <= buckets; i++) norm += out[i] * out[i];
  if (norm > 0) {
    const scale = 1 / Math.sqrt(norm) / Math.sqrt(1 + SHARED_COMPONENT ** 2);
    for (let i = 1; i <= buckets; i++) out[i] *= scale;
    out[0] = SHARED_COMPONENT / Math.sqrt(1 + SHARED_COMPONENT ** 2);
  }
  return out;
}

export function createLocalProvider(dimensions = EMBEDDING_DIMENSIONS): EmbeddingProvider {
  const buffer = new Float64Array(dimensions);
  const counts = new Map<number, number>();
  return {
    name: 'local',
    model: LOCAL_MODEL,
    dimensions,
    async embed(texts, signal) {
      const vectors: number[][] = [];
      for (let t = 0; t < texts.length; t++) {
        // Long batches yield now and then so a server's event loop keeps answering.
        if (t > 0 && t % 500 === 0) await new Promise((resolve) => setImmediate(resolve));
        signal?.throwIfAborted();
        embedLocal(texts[t], buffer, counts);
        const vector = new Array<number>(dimensions);
        // Six decimals: float4 in the column keeps about seven digits anyway, and the text is halved.
        for (let i = 0; i < dimensions; i++) vector[i] = Math.round(buffer[i] * 1e6) / 1e6;
        vectors.push(vector);
      }
      return vectors;
    },
  };
}

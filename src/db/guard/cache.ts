import {
  type CatalogAnswer,
  type CatalogEntry,
  type CatalogRequest,
  type FunctionLookup,
  type NameRef,
  nameKey,
} from './catalog.js';

export interface CatalogCacheOptions {
  /** How long an answer (including "no such name") is trusted; DDL shows after at most this. */
  ttlMs?: number;
  maxEntries?: number;
  now?: () => number;
}

/**
 * Remembers catalog answers so the guard's lookup costs a round trip only for names it has not
 * seen lately. One cache per reader role and search_path: what a name resolves to depends on
 * both. Held by whoever owns the pool (e.g. the MCP server), never module-level.
 */
export class CatalogCache {
  readonly #entries = new Map<string, { value: CatalogEntry | null; expires: number }>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: CatalogCacheOptions = {}) {
    this.#ttlMs = options.ttlMs ?? 60_000;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
  }

  /** The same lookup, answering from the cache and asking `inner` only about the misses. */
  wrap(inner: FunctionLookup): FunctionLookup {
    const functionsOnly = async (names: NameRef[]) =>
      (await this.#resolve(inner, { functions: names, operators: [], attributes: [] })).functions;
    if (!inner.resolve) return functionsOnly;
    return Object.assign(functionsOnly, {
      resolve: (request: CatalogRequest) => this.#resolve(inner, request),
    });
  }

  async #resolve(inner: FunctionLookup, request: CatalogRequest): Promise<CatalogAnswer> {
    const answer: CatalogAnswer = { functions: new Map(), operators: new Map(), attributes: new Map() };
    const misses: CatalogRequest = { functions: [], operators: [], attributes: [] };
    const now = this.#now();
    const hit = (key: string) => {
      const entry = this.#entries.get(key);
      return entry && entry.expires > now ? entry : undefined;
    };
    for (const ref of request.functions) {
      const entry = hit(`f${nameKey(ref)}`);
      if (!entry) misses.functions.push(ref);
      else if (entry.value) answer.functions.set(nameKey(ref), entry.value);
    }
    for (const ref of request.operators) {
      const entry = hit(`o${nameKey(ref)}`);
      if (!entry) misses.operators.push(ref);
      else if (entry.value) answer.operators.set(nameKey(ref), entry.value);
    }
    for (const name of request.attributes) {
      const entry = hit(`a${name}`);
      if (!entry) misses.attributes.push(name);
      else if (entry.value) answer.attributes.set(name, entry.value);
    }
    if (!misses.functions.length && !misses.operators.length && !misses.attributes.length) return answer;

    const fresh: CatalogAnswer = inner.resolve
      ? await inner.resolve(misses)
      : { functions: await inner(misses.functions), operators: new Map(), attributes: new Map() };
    const expires = this.#now() + this.#ttlMs;
    for (const ref of misses.functions)
      this.#store(
        `f${nameKey(ref)}`,
        fresh.functions.get(nameKey(ref)),
        expires,
        answer.functions,
        nameKey(ref),
      );
    for (const ref of misses.operators)
      this.#store(
        `o${nameKey(ref)}`,
        fresh.operators.get(nameKey(ref)),
        expires,
        answer.operators,
        nameKey(ref),
      );
    for (const name of misses.attributes)
      this.#store(`a${name}`, fresh.attributes.get(name), expires, answer.attributes, name);
    return answer;
  }

  #store(
    key: string,
    value: CatalogEntry | undefined,
    expires: number,
    into: Map<string, CatalogEntry>,
    answerKey: string,
  ): void {
    if (value) into.set(answerKey, value);
    this.#entries.delete(key);
    this.#entries.set(key, { value: value ?? null, expires });
    // Oldest first out: Map keeps insertion order and a refreshed key was re-inserted.
    while (this.#entries.size > this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
  }
}

/** What the guard asks the catalog about names, and what it gets back. */
export type Volatility = 'i' | 's' | 'v';

export interface NameRef {
  schema?: string;
  name: string;
}

export interface CatalogEntry {
  /** The worst volatility among the overloads the name may resolve to. */
  volatility: Volatility;
  /** The schema of that worst overload. */
  schema: string;
  /**
   * For operators: the functions implementing them (other schemas' only, for an unqualified
   * built-in symbol); for attributes: the VOLATILE single-argument functions of that name.
   */
  functions?: string[];
}

export interface CatalogRequest {
  functions: NameRef[];
  operators: NameRef[];
  /** Names after a dot that could be single-argument functions in attribute notation. */
  attributes: string[];
}

export interface CatalogAnswer {
  functions: Map<string, CatalogEntry>;
  operators: Map<string, CatalogEntry>;
  attributes: Map<string, CatalogEntry>;
}

/**
 * Resolves function names to volatility; keys are `nameKey(ref)`. A lookup may also carry
 * `resolve`, answering functions, operators and attribute-notation names in one round trip;
 * without it the guard checks operators against the built-in list only.
 */
export type FunctionLookup = ((names: NameRef[]) => Promise<Map<string, CatalogEntry>>) & {
  resolve?: (request: CatalogRequest) => Promise<CatalogAnswer>;
};

/** An unambiguous map key for a possibly schema-qualified name (names may contain dots). */
export function nameKey(ref: NameRef): string {
  return JSON.stringify([ref.schema ?? null, ref.name]);
}

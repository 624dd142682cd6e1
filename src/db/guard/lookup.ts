import type pg from 'pg';
import { loadSql } from '../sql-files.js';
import type { CatalogCache } from './cache.js';
import {
  type CatalogAnswer,
  type CatalogEntry,
  type CatalogRequest,
  type FunctionLookup,
  type NameRef,
  nameKey,
  type Volatility,
} from './catalog.js';

interface LookupRow {
  kind: 'function' | 'operator' | 'attribute';
  schema: string | null;
  name: string;
  volatility: Volatility;
  resolved_schema: string;
  functions: string[];
}

/**
 * A lookup against the live catalog, seen as `client` sees it (its search_path decides what an
 * unqualified name may resolve to, so pass the client that will run the query). One query per
 * check, whatever the number of names (SQL: sql/guard/catalog-lookup.sql); with `cache`, only
 * for names the cache has not answered within its TTL.
 */
export function pgProcLookup(client: pg.ClientBase, options: { cache?: CatalogCache } = {}): FunctionLookup {
  const resolve = async (request: CatalogRequest): Promise<CatalogAnswer> => {
    const answer: CatalogAnswer = { functions: new Map(), operators: new Map(), attributes: new Map() };
    if (!request.functions.length && !request.operators.length && !request.attributes.length) return answer;
    // Unnamed: a named statement lives on the server connection, which a pooler in transaction
    // mode (PgBouncer) hands to other clients; the catalog cache keeps lookups rare anyway.
    const { rows } = await client.query<LookupRow>({
      text: loadSql('guard/catalog-lookup'),
      values: [
        request.functions.map((f) => f.schema ?? null),
        request.functions.map((f) => f.name),
        request.operators.map((o) => o.schema ?? null),
        request.operators.map((o) => o.name),
        request.attributes,
      ],
    });
    for (const row of rows) {
      const entry: CatalogEntry = {
        volatility: row.volatility,
        schema: row.resolved_schema,
        functions: row.functions,
      };
      const key =
        row.kind === 'attribute' ? row.name : nameKey({ schema: row.schema ?? undefined, name: row.name });
      const target =
        row.kind === 'function'
          ? answer.functions
          : row.kind === 'operator'
            ? answer.operators
            : answer.attributes;
      target.set(key, entry);
    }
    return answer;
  };
  const lookup = async (names: NameRef[]) =>
    (await resolve({ functions: names, operators: [], attributes: [] })).functions;
  const live = Object.assign(lookup, { resolve });
  return options.cache ? options.cache.wrap(live) : live;
}

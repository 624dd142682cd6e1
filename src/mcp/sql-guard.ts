import type pg from 'pg';
import { type CatalogCache, checkParsedSql, type ParsedSql, pgProcLookup } from '../db/guard/index.js';

/**
 * Layer 3 of read-only: the parser-based guard on SQL already parsed by parseForGuard,
 * resolving function volatility through the caller's own session (so it sees exactly the
 * functions the reader role could call), with answers remembered in `cache` (one per process:
 * every call runs as the same reader role). Throws GuardError (`sql_rejected`).
 */
export async function guardSql(
  client: pg.ClientBase,
  parsed: ParsedSql,
  cache?: CatalogCache,
): Promise<void> {
  const lookup = pgProcLookup(client);
  await checkParsedSql(parsed, { lookup: cache ? cache.wrap(lookup) : lookup });
}

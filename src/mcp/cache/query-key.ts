import { createHash } from 'node:crypto';
import type { ParsedSql } from '../../db/sql-parser.js';

function stripLocations(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripLocations);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value))
    if (key !== 'location' && key !== 'stmt_location' && key !== 'stmt_len') out[key] = stripLocations(item);
  return out;
}

/**
 * A cache key that is the same for the same query however it is spaced, commented or cased
 * (it is the parse tree without positions), and different whenever a constant differs —
 * normalized SQL plus its parameters, in one value. It takes the tree the guard judged, so
 * the text is parsed once per call.
 */
export function queryCacheKey(parsed: ParsedSql, scope: string): string {
  const tree = JSON.stringify(stripLocations(parsed.statements.map((s) => s.stmt)));
  return createHash('sha256').update(scope).update('\0').update(tree).digest('hex');
}

import { normalizeSql, type ParsedSql, parseSql } from '../sql-parser.js';
import type { FunctionLookup } from './catalog.js';
import { GuardError } from './errors.js';
import { classifyStatically, judgeWithCatalog } from './functions.js';
import { checkStatementShape } from './statement.js';
import { collectFacts } from './walk.js';

export { type ParsedSql, SqlSyntaxError } from '../sql-parser.js';
export { CatalogCache, type CatalogCacheOptions } from './cache.js';
export * from './catalog.js';
export { GuardError, type GuardViolation } from './errors.js';
export { pgProcLookup } from './lookup.js';
export { ALLOWED_FUNCTIONS, BUILTIN_OPERATORS, denyReason } from './policy.js';

export interface GuardedSql {
  /** The SQL exactly as given: the guard never rewrites what runs. */
  sql: string;
  kind: 'select' | 'values' | 'table';
  /** Every function called, as written (schema-qualified where it was), once each. */
  functions: string[];
  /** Constants replaced by $n, for cache keys and slow-query logs; only with `normalize: true`. */
  normalized?: string;
}

export interface GuardOptions {
  /** The catalog, for names not on the allow list; without it they are refused. */
  lookup?: FunctionLookup;
  /** Also return the normalized SQL (one more pass of the parser). */
  normalize?: boolean;
  /** Longest SQL accepted, in characters (default 100 000): parsing is linear, but not free. */
  maxLength?: number;
}

const DEFAULT_MAX_LENGTH = 100_000;

/**
 * Byte offset (as the parser reports it) to 1-based character position. ASCII text maps 1:1;
 * otherwise a table is built once, so many lookups stay linear in the SQL's length.
 */
function bytePositions(sql: string): (byteOffset: number) => number {
  const bytes = Buffer.byteLength(sql, 'utf8');
  if (bytes === sql.length) return (offset) => offset + 1;
  let table: Int32Array | undefined;
  return (offset) => {
    if (!table) {
      table = new Int32Array(bytes + 1);
      let byte = 0;
      let char = 0;
      for (const c of sql) {
        const width = Buffer.byteLength(c, 'utf8');
        for (let k = 0; k < width; k++) table[byte + k] = char;
        byte += width;
        char += 1; // PostgreSQL counts code points
      }
      table[bytes] = char;
    }
    return table[Math.min(offset, bytes)] + 1;
  };
}

/**
 * The guard's first step: the length limit, then the PostgreSQL grammar. The tree it returns is
 * what checkParsedSql judges and what a caller may reuse (a cache key), so each SQL text is
 * parsed once per call. Throws GuardError (too long) or SqlSyntaxError.
 */
export async function parseForGuard(
  sql: string,
  options: Pick<GuardOptions, 'maxLength'> = {},
): Promise<ParsedSql> {
  const maxLength = options.maxLength ?? DEFAULT_MAX_LENGTH;
  if (sql.length > maxLength) {
    throw new GuardError([
      {
        construct: 'too_long',
        found: `${sql.length} characters of SQL`,
        reason: `the limit is ${maxLength}`,
      },
    ]);
  }
  return parseSql(sql);
}

/**
 * Accepts exactly one SELECT / VALUES / TABLE statement without side effects, or throws:
 * SqlSyntaxError (PostgreSQL's message and position) or GuardError (what was found, where and
 * why). One of several layers: the read-only transaction, the reader role and RLS still apply.
 */
export async function checkReadOnlySql(sql: string, options: GuardOptions = {}): Promise<GuardedSql> {
  return checkParsedSql(await parseForGuard(sql, options), options);
}

/** checkReadOnlySql for SQL already parsed by parseForGuard (the same checks, no second parse). */
export async function checkParsedSql(parsed: ParsedSql, options: GuardOptions = {}): Promise<GuardedSql> {
  const { sql } = parsed;
  const shape = checkStatementShape(parsed);
  if (!shape.ok) throw new GuardError([shape.violation]);

  const facts = collectFacts(shape.stmt, bytePositions(sql));
  const catalogChecks = Boolean(options.lookup?.resolve);
  const { violations, pending, pendingUses } = classifyStatically(facts, catalogChecks);
  // Refuse on what the text shows before asking the database anything.
  if (facts.violations.length || violations.length)
    throw new GuardError([...facts.violations, ...violations]);
  const catalogViolations = await judgeWithCatalog(pending, pendingUses, options.lookup);
  if (catalogViolations.length) throw new GuardError(catalogViolations);

  const functions = [...new Set(facts.functions.map((f) => (f.schema ? `${f.schema}.${f.name}` : f.name)))];
  return {
    sql,
    kind: shape.kind,
    functions,
    ...(options.normalize ? { normalized: await normalizeSql(sql) } : {}),
  };
}

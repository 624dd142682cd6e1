import { parseSql } from '../../db/sql-parser.js';
import { qualifiedName } from './definitions.js';

/**
 * What makes two indexes the same index, whatever their names: table, method, uniqueness,
 * keys (with operator class, order, collation), INCLUDE, predicate and storage options. Both
 * sides go through the same parser, so `pg_get_indexdef` output and a hand-written definition
 * compare equal when PostgreSQL would build the same thing.
 */
export function indexSignature(stmt: Record<string, any>, table: string): string {
  const method = (stmt.accessMethod ?? 'btree').toLowerCase();
  return JSON.stringify({
    table,
    method,
    unique: Boolean(stmt.unique),
    nullsNotDistinct: Boolean(stmt.nulls_not_distinct),
    keys: (stmt.indexParams ?? []).map((p: any) => element(p.IndexElem)),
    include: (stmt.indexIncludingParams ?? []).map((p: any) => element(p.IndexElem)),
    where: stmt.whereClause ? clean(stmt.whereClause) : null,
    options: storageOptions(method, stmt.options ?? []),
  });
}

/**
 * True when `existing` answers every lookup `wanted` would: both plain B-trees without
 * predicate, `wanted` not unique, and its keys the leading keys of `existing`.
 */
export function coversIndex(
  existing: Record<string, any>,
  wanted: Record<string, any>,
  table: string,
): boolean {
  const a = JSON.parse(indexSignature(existing, table));
  const b = JSON.parse(indexSignature(wanted, table));
  if (a.method !== 'btree' || b.method !== 'btree' || b.unique || a.where || b.where || b.include.length)
    return false;
  if (b.keys.length > a.keys.length) return false;
  return b.keys.every((key: unknown, i: number) => JSON.stringify(key) === JSON.stringify(a.keys[i]));
}

/** Parses `pg_get_indexdef` text back into its IndexStmt. */
export async function parseIndexDef(definition: string): Promise<Record<string, any> | undefined> {
  const parsed = await parseSql(definition);
  return (parsed.statements[0]?.stmt as Record<string, any> | undefined)?.IndexStmt;
}

function element(elem: Record<string, any>): unknown {
  let ordering = elem.ordering ?? 'SORTBY_DEFAULT';
  let nulls = elem.nulls_ordering ?? 'SORTBY_NULLS_DEFAULT';
  if (ordering === 'SORTBY_ASC') ordering = 'SORTBY_DEFAULT';
  // NULLS LAST is the default for ascending keys, NULLS FIRST for descending ones.
  if (ordering === 'SORTBY_DEFAULT' && nulls === 'SORTBY_NULLS_LAST') nulls = 'SORTBY_NULLS_DEFAULT';
  if (ordering === 'SORTBY_DESC' && nulls === 'SORTBY_NULLS_FIRST') nulls = 'SORTBY_NULLS_DEFAULT';
  return {
    name: elem.name ?? null,
    expr: elem.expr ? clean(elem.expr) : null,
    opclass: elem.opclass ? qualifiedName(elem.opclass).replace(/^pg_catalog\./, '') : null,
    collation: elem.collation ? qualifiedName(elem.collation) : null,
    ordering,
    nulls,
  };
}

const DEFAULT_OPTIONS: Record<string, Record<string, string>> = {
  btree: { fillfactor: '90', deduplicate_items: 'true' },
  hnsw: { m: '16', ef_construction: '64' },
  ivfflat: { lists: '100' },
};

function storageOptions(method: string, options: any[]): Record<string, string> {
  const values: Record<string, string> = { ...(DEFAULT_OPTIONS[method] ?? {}) };
  for (const option of options) {
    const def = option.DefElem;
    if (!def) continue;
    values[def.defname] = optionValue(def.arg);
  }
  return Object.fromEntries(Object.entries(values).sort(([a], [b]) => a.localeCompare(b)));
}

function optionValue(arg: Record<string, any> | undefined): string {
  if (!arg) return 'true';
  const raw =
    arg.Integer?.ival ?? arg.Float?.fval ?? arg.String?.sval ?? arg.Boolean?.boolval ?? arg.TypeName ?? '';
  const text = String(raw).toLowerCase();
  if (text === 'on' || text === 'true') return 'true';
  if (text === 'off' || text === 'false') return 'false';
  return text;
}

/**
 * Drops what differs only in spelling: source locations, and the casts PostgreSQL prints on
 * constants (`'x'::text` where the definition said `'x'`).
 */
function clean(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(clean);
  if (!node || typeof node !== 'object') return node;
  const record = node as Record<string, any>;
  if (record.TypeCast?.arg?.A_Const) return clean(record.TypeCast.arg);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (key === 'location') continue;
    out[key] = clean(value);
  }
  return out;
}

import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { parseSql, SqlSyntaxError } from '../../db/sql-parser.js';
import { UsageError } from '../../errors.js';
import { packageRoot } from '../../paths.js';

/** One named CREATE INDEX, parsed by the PostgreSQL grammar; nothing about it is checked yet. */
export interface IndexDefinition {
  name: string;
  /** `btree`, `vector` or `file` (user-provided). */
  set: string;
  /** Where it came from: `sql/indexes/btree.sql` or the user's path. */
  source: string;
  /** The statement as written (comments stripped, no `;`). */
  sql: string;
  schema: string | null;
  table: string;
  method: string;
  unique: boolean;
  /** Every column it names: keys, expressions, INCLUDE and WHERE. */
  columns: string[];
  opclasses: string[];
  /** The parsed IndexStmt node. */
  stmt: Record<string, any>;
}

export type VectorMethod = 'hnsw' | 'ivfflat';
const VECTOR_METHODS = new Set(['hnsw', 'ivfflat']);
const IDENTIFIER = /^[a-z_][a-z0-9_$]*$/;

export function setsFolder(): string {
  return join(packageRoot(), 'sql', 'indexes');
}

/** The index sets shipped in sql/indexes/*.sql, by file name. */
export function availableSets(): string[] {
  return readdirSync(setsFolder())
    .filter((file) => file.endsWith('.sql'))
    .map((file) => basename(file, '.sql'))
    .sort();
}

/** pgvector's guidance: rows / 1000 up to 1M rows, sqrt(rows) above; never fewer than 10. */
export function ivfflatLists(rows: number): number {
  const lists = rows <= 1_000_000 ? Math.floor(rows / 1000) : Math.floor(Math.sqrt(rows));
  return Math.max(10, lists);
}

export interface SourceText {
  set: string;
  source: string;
  text: string;
}

/** Reads the chosen sets and user files; `{lists}` placeholders stay until the row count is known. */
export async function readIndexSources(options: {
  sets?: string[];
  files?: string[];
}): Promise<SourceText[]> {
  const known = availableSets();
  const sets = options.sets ?? (options.files?.length ? [] : known);
  for (const set of sets) {
    if (!known.includes(set)) {
      throw new UsageError(`unknown index set "${set}"`, {
        code: 'index_set_unknown',
        suggestion: `Use one of: ${known.join(', ')}.`,
      });
    }
  }
  const sources: SourceText[] = [];
  for (const set of sets) {
    const path = join(setsFolder(), `${set}.sql`);
    sources.push({ set, source: `sql/indexes/${set}.sql`, text: await readFile(path, 'utf8') });
  }
  for (const file of options.files ?? []) {
    let text: string;
    try {
      text = await readFile(resolve(file), 'utf8');
    } catch (error) {
      throw new UsageError(
        `cannot read index file ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
        {
          code: 'index_file_unreadable',
          suggestion: 'Check the --file path.',
        },
      );
    }
    sources.push({ set: 'file', source: file, text });
  }
  return sources;
}

/**
 * Parses every statement of every source; each must be one named CREATE INDEX. The vector set
 * keeps only the configured method's definition. `lists` fills the IVFFlat placeholder.
 */
export async function parseIndexSources(
  sources: SourceText[],
  options: { vectorMethod: VectorMethod; lists: number },
): Promise<IndexDefinition[]> {
  const definitions: IndexDefinition[] = [];
  for (const source of sources) {
    const text = source.text.replaceAll('{lists}', String(options.lists));
    let parsed: Awaited<ReturnType<typeof parseSql>>;
    try {
      parsed = await parseSql(text);
    } catch (error) {
      const detail = error instanceof SqlSyntaxError ? error.message : String(error);
      throw new UsageError(`${source.source}: ${detail}`, {
        code: 'index_definition_syntax',
        suggestion: 'Each definition must be a valid CREATE INDEX statement.',
      });
    }
    parsed.statements.forEach((statement, position) => {
      const definition = toDefinition(
        statement.stmt as Record<string, any>,
        statement.text,
        source,
        position + 1,
      );
      if (
        source.set === 'vector' &&
        VECTOR_METHODS.has(definition.method) &&
        definition.method !== options.vectorMethod
      )
        return;
      definitions.push(definition);
    });
  }
  const seen = new Set<string>();
  for (const definition of definitions) {
    if (seen.has(definition.name)) {
      throw new UsageError(`index ${definition.name} is defined twice`, {
        code: 'index_definition_duplicate',
        suggestion: 'Give every index definition its own name (or leave one of the files out).',
      });
    }
    seen.add(definition.name);
  }
  return definitions;
}

function toDefinition(
  node: Record<string, any>,
  text: string,
  source: SourceText,
  position: number,
): IndexDefinition {
  const where = `${source.source} statement ${position}`;
  const stmt = node.IndexStmt;
  if (!stmt) {
    throw new UsageError(`${where} is not a CREATE INDEX (${Object.keys(node)[0] ?? 'empty'})`, {
      code: 'index_definition_invalid',
      suggestion: 'Index files hold only CREATE INDEX statements, one per index.',
    });
  }
  if (!stmt.idxname || !IDENTIFIER.test(stmt.idxname) || stmt.idxname.length > 50) {
    throw new UsageError(`${where} has no usable index name (${stmt.idxname ?? 'none'})`, {
      code: 'index_definition_invalid',
      suggestion:
        'Name every index: CREATE INDEX name ON schema.table (…); lower case, at most 50 characters.',
    });
  }
  const params: Array<Record<string, any>> = (stmt.indexParams ?? []).map((p: any) => p.IndexElem);
  const include: Array<Record<string, any>> = (stmt.indexIncludingParams ?? []).map((p: any) => p.IndexElem);
  const columns = new Set<string>();
  for (const elem of [...params, ...include]) {
    if (elem.name) columns.add(elem.name);
    if (elem.expr) collectColumns(elem.expr, columns);
  }
  if (stmt.whereClause) collectColumns(stmt.whereClause, columns);
  return {
    name: stmt.idxname,
    set: source.set,
    source: source.source,
    sql: stripLeadingComments(text),
    schema: stmt.relation?.schemaname ?? null,
    table: stmt.relation?.relname,
    method: (stmt.accessMethod ?? 'btree').toLowerCase(),
    unique: Boolean(stmt.unique),
    columns: [...columns],
    opclasses: params.flatMap((elem) => (elem.opclass ? [qualifiedName(elem.opclass)] : [])),
    stmt,
  };
}

function collectColumns(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) collectColumns(item, into);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const record = node as Record<string, any>;
  if (record.ColumnRef) {
    const fields: any[] = record.ColumnRef.fields ?? [];
    const last = fields[fields.length - 1];
    if (last?.String?.sval) into.add(last.String.sval);
    return;
  }
  for (const value of Object.values(record)) collectColumns(value, into);
}

export function qualifiedName(parts: Array<Record<string, any>>): string {
  return parts.map((part) => part.String?.sval ?? '').join('.');
}

export function stripLeadingComments(text: string): string {
  let rest = text;
  for (;;) {
    const trimmed = rest.replace(/^\s+/, '');
    if (trimmed.startsWith('--')) {
      const end = trimmed.indexOf('\n');
      rest = end < 0 ? '' : trimmed.slice(end + 1);
    } else if (trimmed.startsWith('/*')) {
      const end = trimmed.indexOf('*/');
      rest = end < 0 ? '' : trimmed.slice(end + 2);
    } else {
      return trimmed.trim();
    }
  }
}

const HEAD =
  /^CREATE\s+(UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?("?)([A-Za-z_][A-Za-z0-9_$]*)\2\s+ON\s+/i;

/**
 * The statement to run: the definition with CONCURRENTLY (or not) and, for --replace, another
 * name. The head is rewritten; the rest (table, columns, WITH, WHERE) is sent exactly as written.
 */
export function buildStatement(
  definition: IndexDefinition,
  options: { concurrently: boolean; name?: string },
): string {
  const match = HEAD.exec(definition.sql);
  if (!match || match[3].toLowerCase() !== definition.name) {
    throw new UsageError(`${definition.source}: cannot rewrite the head of index ${definition.name}`, {
      code: 'index_definition_invalid',
      suggestion: 'Write it as CREATE [UNIQUE] INDEX name ON schema.table … with no comment inside the head.',
    });
  }
  const name = options.name ?? definition.name;
  return `CREATE ${match[1] ? 'UNIQUE ' : ''}INDEX ${options.concurrently ? 'CONCURRENTLY ' : ''}"${name}" ON ${definition.sql.slice(match[0].length)}`;
}

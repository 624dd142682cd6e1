import v8 from 'node:v8';
import type { Node, ParseResult, RawStmt } from 'libpg-query';
import { ExitCode, McpopsError } from '../errors.js';

/**
 * The real PostgreSQL grammar (libpg_query compiled to WASM). The module is imported and
 * instantiated on first use only, so commands that never parse SQL never pay for it.
 */
export type { Node as SqlNode } from 'libpg-query';

export interface ParsedStatement {
  /** The statement node, e.g. `{ SelectStmt: {...} }`. */
  stmt: Node;
  /** The statement's own text (without the separating `;`), character offsets into the input. */
  text: string;
  start: number;
  end: number;
}

export interface ParsedSql {
  /** The text that was parsed. */
  sql: string;
  /** PostgreSQL version of the grammar, e.g. 180004. */
  version: number;
  statements: ParsedStatement[];
  /** The raw tree as libpg_query returns it; node `location`s in it are UTF-8 byte offsets. */
  tree: ParseResult;
}

/** A syntax error from the PostgreSQL grammar, with its position as PostgreSQL reports it. */
export class SqlSyntaxError extends McpopsError {
  /** PostgreSQL's own message, e.g. `syntax error at or near "form"`. */
  readonly pgMessage: string;
  /** 1-based character position, as in PostgreSQL's `position` error field; 0 when unknown. */
  readonly position: number;
  readonly line: number;
  readonly column: number;

  constructor(pgMessage: string, sql: string, position: number, cause?: unknown) {
    const { line, column } = lineAndColumn(sql, position);
    const where = position > 0 ? ` at position ${position} (line ${line}, column ${column})` : '';
    super(`SQL ${pgMessage}${where}`, {
      code: 'sql_syntax',
      exitCode: ExitCode.failure,
      suggestion: 'Fix the SQL near the position given; it must parse as PostgreSQL.',
      cause,
    });
    this.pgMessage = pgMessage;
    this.position = position;
    this.line = line;
    this.column = column;
  }
}

type LibPgQuery = typeof import('libpg-query');
let parses = 0;

/** How many texts this process has parsed (the grammar run, not the WASM load): for tests and benchmarks. */
export function parseCount(): number {
  return parses;
}
let loading: Promise<LibPgQuery> | undefined;

/**
 * V8 compiles WebAssembly with its baseline tier (Liftoff) and then re-compiles hot code with
 * its optimizing tier. For libpg-query's parser (one huge generated function) that second compile
 * takes about 550 MB for several seconds, enough to get a 512 MiB container killed on its first
 * query, and it buys nothing measurable: a parse takes tens of microseconds either way. V8
 * fixes a function's tiering when it first compiles it (lazily, on its first call), so the flags
 * are set while the module is instantiated and its parse and normalize paths run once
 * (NODE_OPTIONS does not accept them): that holds however the process was started, and
 * WebAssembly compiled later (the embedded database) tiers up as usual. Flags given on the
 * command line are left alone.
 */
const TIERING_FLAGS = ['wasm-tier-up', 'wasm-dynamic-tiering'];

function keepWasmOnBaselineTier(): () => void {
  const given = process.execArgv.some((arg) => /wasm|liftoff/.test(arg));
  if (given) return () => {};
  for (const flag of TIERING_FLAGS) v8.setFlagsFromString(`--no-${flag}`);
  return () => {
    for (const flag of TIERING_FLAGS) v8.setFlagsFromString(`--${flag}`);
  };
}

/** Imports and instantiates the WASM parser once; later calls share the same promise. */
export function loadSqlParser(): Promise<LibPgQuery> {
  loading ??= Promise.resolve().then(async () => {
    const restore = keepWasmOnBaselineTier();
    try {
      const lib = await import('libpg-query');
      await lib.loadModule();
      lib.parseSync('SELECT 1');
      lib.normalizeSync('SELECT 1');
      return lib;
    } finally {
      restore();
    }
  });
  return loading;
}

/**
 * Parses SQL text into statements. Empty or comment-only text gives no statements (not an
 * error: the caller decides). NUL characters are refused because the WASM parser, like any C
 * string reader, would stop at the first one and see less than the server is sent.
 */
export async function parseSql(sql: string): Promise<ParsedSql> {
  const lib = await loadSqlParser();
  rejectNul(sql);
  if (sql.trim() === '') return { sql, version: 0, statements: [], tree: { stmts: [] } as ParseResult };
  let tree: ParseResult;
  parses += 1;
  try {
    tree = lib.parseSync(sql);
  } catch (error) {
    throw toSyntaxError(error, sql);
  }
  const bytes = Buffer.from(sql, 'utf8');
  const statements = (tree.stmts ?? []).map((raw: RawStmt) => {
    const startByte = raw.stmt_location ?? 0;
    const endByte = raw.stmt_len ? startByte + raw.stmt_len : bytes.length;
    const start = bytes.subarray(0, startByte).toString('utf8').length;
    const text = bytes.subarray(startByte, endByte).toString('utf8');
    return { stmt: raw.stmt as Node, text, start, end: start + text.length };
  });
  return { sql, version: tree.version ?? 0, statements, tree };
}

/**
 * The SQL with every constant replaced by `$n` (libpg_query's normalizer): the same query
 * with different literals normalizes to the same text, and literals (which may hold personal
 * data) never reach a cache key or a log line.
 */
export async function normalizeSql(sql: string): Promise<string> {
  const lib = await loadSqlParser();
  rejectNul(sql);
  parses += 1;
  try {
    return lib.normalizeSync(sql);
  } catch (error) {
    throw detailedError(lib, error, sql);
  }
}

/** A 16-hex-digit fingerprint equal for queries that differ only in constants and formatting. */
export async function fingerprintSql(sql: string): Promise<string> {
  const lib = await loadSqlParser();
  rejectNul(sql);
  parses += 1;
  try {
    return lib.fingerprintSync(sql);
  } catch (error) {
    throw detailedError(lib, error, sql);
  }
}

function rejectNul(sql: string): void {
  if (typeof sql !== 'string') throw new TypeError('SQL must be a string');
  const index = sql.indexOf('\0');
  if (index >= 0) throw new SqlSyntaxError('contains a NUL character', sql, index + 1);
}

/** normalize/fingerprint errors carry no position; the parser's error for the same text does. */
function detailedError(lib: LibPgQuery, error: unknown, sql: string): SqlSyntaxError {
  try {
    lib.parseSync(sql);
  } catch (parseError) {
    return toSyntaxError(parseError, sql);
  }
  return toSyntaxError(error, sql);
}

function toSyntaxError(error: unknown, sql: string): SqlSyntaxError {
  const e = error as { message?: string; sqlDetails?: { message?: string; cursorPosition?: number } };
  const message = e?.sqlDetails?.message ?? e?.message ?? String(error);
  // libpg-query reports a 0-based character offset; PostgreSQL's protocol field is 1-based.
  const cursor = e?.sqlDetails?.cursorPosition;
  const position = typeof cursor === 'number' && cursor >= 0 ? cursor + 1 : 0;
  return new SqlSyntaxError(message, sql, position, error);
}

function lineAndColumn(sql: string, position: number): { line: number; column: number } {
  if (position <= 0) return { line: 0, column: 0 };
  // PostgreSQL counts characters (code points), not UTF-16 units.
  const before = Array.from(sql)
    .slice(0, position - 1)
    .join('');
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1].length + 1 };
}

/**
 * Splits plain pg_dump schema sections into the pieces a restore runs at different times.
 * Each piece carries the dump's preamble (SET statements, `\restrict`) so it runs on its own.
 *
 * pg_dump puts a table's ENABLE ROW LEVEL SECURITY and its policies in post-data and its
 * grants in pre-data, so a restore that followed the dump's order would have tables the
 * reader may select from and no policies while the rows load. The restore order here is:
 * schema with row security and policies (one transaction), rows, indexes and constraints,
 * and the grants last.
 */
export interface DumpBlock {
  type: string;
  text: string;
}

interface DumpText {
  preamble: string;
  blocks: DumpBlock[];
  closing: string;
}

/** An index build and the table ("schema.table", unquoted) whose rows it needs. */
export interface IndexBuild {
  table?: string;
  sql: string;
}

export interface RestorePlan {
  /** Pre-data without grants, plus row security and policies: one transaction, before any row. */
  schema: string;
  /** Index builds, each runnable as soon as its table's rows are in (as `pg_restore -j` does). */
  indexes: IndexBuild[];
  /** The rest of post-data, in order, after all rows and indexes. */
  constraints: string;
  /** Grants and default privileges of both sections: one transaction, after everything else. */
  grants: string;
  /** Whether the dump enables row security or creates a policy anywhere. */
  hasRowSecurity: boolean;
}

const BLOCK = /\n(?=--\n-- Name: [^\n]*; Type: [^\n;]+; Schema: )/;
const SECURITY_TYPES = new Set(['ROW SECURITY', 'POLICY']);
const GRANT_TYPES = new Set(['ACL', 'DEFAULT ACL']);

function parseDump(text: string): DumpText {
  const key = /^\\restrict (\S+)$/m.exec(text)?.[1];
  const closing = key ? `\n\\unrestrict ${key}\n` : '\n';
  const body = key ? text.replace(new RegExp(`^\\\\unrestrict ${key}$`, 'm'), '') : text;
  const [preamble, ...parts] = body.split(BLOCK);
  const blocks = parts.map((part) => ({ type: /; Type: ([^;\n]+);/.exec(part)?.[1] ?? '', text: part }));
  return { preamble, blocks, closing };
}

function piece(dump: DumpText, blocks: DumpBlock[]): string {
  if (!blocks.length) return '';
  return `${dump.preamble}\n${blocks.map((b) => b.text).join('\n')}${dump.closing}`;
}

function isIndexBuild(block: DumpBlock): boolean {
  // A CONSTRAINT block may hold a CHECK or EXCLUDE as well; only index-backed ones are worth it.
  return (
    block.type === 'INDEX' || (block.type === 'CONSTRAINT' && /\b(PRIMARY KEY|UNIQUE)\b/.test(block.text))
  );
}

/** One identifier as pg_dump prints it: double-quoted, or bare (bare ones never hold a dot, space or parenthesis). */
export const IDENT = '(?:"(?:[^"]|"")+"|[^\\s."(]+)';
const INDEX_ON = new RegExp(`\\bINDEX ${IDENT} ON (?:ONLY )?(${IDENT}\\.${IDENT})`);
const ALTER_TABLE = new RegExp(`\\bALTER TABLE ONLY (${IDENT}\\.${IDENT})`);

function unquote(part: string): string {
  return part.startsWith('"') ? part.slice(1, -1).replace(/""/g, '"') : part;
}

/** The table an index or key block builds on, as the manifest names it ("schema.table"). */
function indexedTable(text: string): string | undefined {
  const qualified = (INDEX_ON.exec(text) ?? ALTER_TABLE.exec(text))?.[1];
  if (!qualified) return undefined;
  const parts = new RegExp(`^(${IDENT})\\.(${IDENT})$`).exec(qualified);
  return parts ? `${unquote(parts[1])}.${unquote(parts[2])}` : undefined;
}

export function planRestore(preData: string, postData: string): RestorePlan {
  const pre = parseDump(preData);
  const post = parseDump(postData);
  const isGrant = (b: DumpBlock) => GRANT_TYPES.has(b.type);
  const isSecurity = (b: DumpBlock) => SECURITY_TYPES.has(b.type);
  const rest = post.blocks.filter((b) => !isGrant(b) && !isSecurity(b));
  const schemaBlocks = pre.blocks.filter((b) => !isGrant(b));
  return {
    schema:
      (schemaBlocks.length ? piece(pre, schemaBlocks) : preData) +
      piece(post, post.blocks.filter(isSecurity)),
    indexes: rest.filter(isIndexBuild).map((b) => ({ table: indexedTable(b.text), sql: piece(post, [b]) })),
    constraints: piece(
      post,
      rest.filter((b) => !isIndexBuild(b)),
    ),
    grants: piece(pre, pre.blocks.filter(isGrant)) + piece(post, post.blocks.filter(isGrant)),
    hasRowSecurity: post.blocks.some(isSecurity),
  };
}

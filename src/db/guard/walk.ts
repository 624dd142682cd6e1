import type { GuardViolation } from './errors.js';
import { isBetweenKeyword, PHYSICAL_COLUMN_REASON, PHYSICAL_COLUMNS, TABLESAMPLE_METHODS } from './policy.js';
import { statementName } from './statement.js';

export interface NameUse {
  schema?: string;
  name: string;
  /** 1-based character position in the SQL, when the parser recorded one. */
  position?: number;
}

export interface FunctionUse extends NameUse {
  args: unknown[];
}

/** Everything in a SELECT that can run code, and the structural problems met on the way. */
export interface QueryFacts {
  functions: FunctionUse[];
  operators: NameUse[];
  /** Names after a dot (`t.x`, `(expr).x`): a column, or a function called in attribute notation. */
  attributes: NameUse[];
  /** Tables and views read (FROM, JOIN, TABLE), as written; CTE names too, since they look alike. */
  relations: NameUse[];
  violations: GuardViolation[];
}

/** Nodes that hold only literals or names: nothing below them can call anything. */
const LEAVES = new Set([
  'A_Const',
  'A_Star',
  'ParamRef',
  'String',
  'Integer',
  'Float',
  'Boolean',
  'BitString',
]);

const LOCK_STRENGTHS: Record<string, string> = {
  LCS_FORUPDATE: 'FOR UPDATE',
  LCS_FORNOKEYUPDATE: 'FOR NO KEY UPDATE',
  LCS_FORSHARE: 'FOR SHARE',
  LCS_FORKEYSHARE: 'FOR KEY SHARE',
};

/**
 * Walks every node of the tree, not a list of known clauses, so a function is found wherever
 * the grammar lets it stand: target list, FROM (ROWS FROM, LATERAL), WHERE, GROUP BY, HAVING,
 * window definitions, ORDER BY, CASE, sub-queries, CTEs, VALUES, arguments of other calls.
 * `toPosition` turns the parser's UTF-8 byte offsets into 1-based character positions.
 */
export function collectFacts(stmt: unknown, toPosition: (byteOffset: number) => number): QueryFacts {
  const facts: QueryFacts = { functions: [], operators: [], attributes: [], relations: [], violations: [] };
  const at = (location: unknown) =>
    typeof location === 'number' && location >= 0 ? toPosition(location) : undefined;

  // An explicit stack, not recursion: a thousand nested calls must not overflow the JS stack.
  const stack: unknown[] = [stmt];
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push(value[i]);
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    const children: unknown[] = [];
    const node = value as Record<string, unknown>;
    for (const key in node) {
      const child = node[key];
      if (child === null || typeof child !== 'object' || LEAVES.has(key)) continue;
      const body = child as Record<string, any>;
      switch (key) {
        case 'FuncCall': {
          facts.functions.push({
            ...qualifiedName(body.funcname),
            args: body.args ?? [],
            position: at(body.location),
          });
          break;
        }
        case 'A_Expr': {
          const op = qualifiedName(body.name);
          if (!(op.schema === undefined && isBetweenKeyword(op.name)))
            facts.operators.push({ ...op, position: at(body.location) });
          break;
        }
        case 'RangeVar':
          facts.relations.push({
            ...(body.schemaname ? { schema: body.schemaname } : {}),
            name: body.relname ?? '',
            position: at(body.location),
          });
          break;
        case 'SubLink':
          if (body.operName)
            facts.operators.push({ ...qualifiedName(body.operName), position: at(body.location) });
          break;
        case 'SortBy':
          if (body.useOp) facts.operators.push({ ...qualifiedName(body.useOp), position: at(body.location) });
          break;
        case 'ColumnRef': {
          const fields = body.fields ?? [];
          for (const field of fields.slice(1)) {
            if (field.String) facts.attributes.push({ name: field.String.sval, position: at(body.location) });
          }
          const physical = fields.find((f: { String?: { sval?: string } }) =>
            PHYSICAL_COLUMNS.has(f.String?.sval ?? ''),
          );
          if (physical)
            facts.violations.push({
              construct: 'statistics',
              found: `system column ${physical.String.sval}`,
              reason: PHYSICAL_COLUMN_REASON,
              position: at(body.location),
            });
          break;
        }
        case 'A_Indirection':
          for (const item of body.indirection ?? []) {
            if (item.String)
              facts.attributes.push({ name: item.String.sval, position: at(nodeLocation(body.arg)) });
          }
          break;
        case 'LockingClause':
          facts.violations.push({
            construct: 'locking_clause',
            found: LOCK_STRENGTHS[body.strength] ?? 'a locking clause',
            reason: 'locking clauses take row locks; reads here never lock rows',
          });
          break;
        case 'intoClause':
          facts.violations.push({
            construct: 'select_into',
            found: 'SELECT INTO',
            reason: 'SELECT INTO creates a table',
            position: at(body.rel?.location),
          });
          break;
        case 'CommonTableExpr': {
          const query = body.ctequery as Record<string, unknown> | undefined;
          if (query && !('SelectStmt' in query)) {
            facts.violations.push({
              construct: 'writable_cte',
              found: `${statementName(query as never)} in WITH "${body.ctename}"`,
              reason: 'data-modifying WITH queries are not allowed',
              position: at(body.location),
            });
            continue;
          }
          break;
        }
        case 'RangeTableSample': {
          const method = qualifiedName(body.method);
          if (method.schema !== undefined || !TABLESAMPLE_METHODS.has(method.name)) {
            facts.violations.push({
              construct: 'tablesample',
              found: `TABLESAMPLE ${[method.schema, method.name].filter(Boolean).join('.')}`,
              reason: 'only the built-in SYSTEM and BERNOULLI sampling methods are allowed',
              position: at(body.location),
            });
          }
          break;
        }
        default:
          if (key.endsWith('Stmt') && key !== 'SelectStmt') {
            facts.violations.push({
              construct: 'statement',
              found: statementName({ [key]: body } as never),
              reason: 'only SELECT may appear inside a query',
            });
            continue;
          }
      }
      children.push(child);
    }
    // Reversed so nodes are visited in text order and the first problem reported is the first one met.
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  return facts;
}

/** `[schema, name]` or `[catalog, schema, name]` or `[name]` as String nodes. */
function qualifiedName(parts: Array<{ String?: { sval?: string } }> | undefined): {
  schema?: string;
  name: string;
} {
  const names = (parts ?? []).map((p) => p.String?.sval ?? '');
  const name = names[names.length - 1] ?? '';
  return names.length > 1 ? { schema: names[names.length - 2], name } : { name };
}

/** The location of a wrapped node such as `{ A_Const: { location } }`. */
function nodeLocation(node: unknown): unknown {
  if (!node || typeof node !== 'object') return undefined;
  const inner = Object.values(node as Record<string, unknown>)[0] as { location?: unknown } | undefined;
  return inner?.location;
}

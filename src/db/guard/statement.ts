import type { ParsedSql, SqlNode } from '../sql-parser.js';
import type { GuardViolation } from './errors.js';

export type StatementKind = 'select' | 'values' | 'table';

const TRANSACTION_KINDS: Record<string, string> = {
  TRANS_STMT_BEGIN: 'BEGIN',
  TRANS_STMT_START: 'START TRANSACTION',
  TRANS_STMT_COMMIT: 'COMMIT/END',
  TRANS_STMT_ROLLBACK: 'ROLLBACK/ABORT',
  TRANS_STMT_SAVEPOINT: 'SAVEPOINT',
  TRANS_STMT_RELEASE: 'RELEASE SAVEPOINT',
  TRANS_STMT_ROLLBACK_TO: 'ROLLBACK TO SAVEPOINT',
  TRANS_STMT_PREPARE: 'PREPARE TRANSACTION',
  TRANS_STMT_COMMIT_PREPARED: 'COMMIT PREPARED',
  TRANS_STMT_ROLLBACK_PREPARED: 'ROLLBACK PREPARED',
};

const STATEMENT_NAMES: Record<string, string> = {
  VariableShowStmt: 'SHOW',
  CopyStmt: 'COPY',
  DoStmt: 'DO',
  CallStmt: 'CALL',
  PrepareStmt: 'PREPARE',
  ExecuteStmt: 'EXECUTE',
  DeallocateStmt: 'DEALLOCATE',
  ListenStmt: 'LISTEN',
  UnlistenStmt: 'UNLISTEN',
  NotifyStmt: 'NOTIFY',
  LockStmt: 'LOCK',
  DiscardStmt: 'DISCARD',
  TruncateStmt: 'TRUNCATE',
  GrantStmt: 'GRANT/REVOKE',
  GrantRoleStmt: 'GRANT/REVOKE role',
  CreateTableAsStmt: 'CREATE TABLE AS',
  DeclareCursorStmt: 'DECLARE CURSOR',
  FetchStmt: 'FETCH',
  ClosePortalStmt: 'CLOSE',
  CheckPointStmt: 'CHECKPOINT',
  LoadStmt: 'LOAD',
  CopyFrom: 'COPY',
};

/** The SQL command a statement node stands for, as a person would write it. */
export function statementName(node: SqlNode): string {
  const [type, body] = Object.entries(node)[0] as [string, Record<string, any>];
  if (type === 'TransactionStmt') return TRANSACTION_KINDS[body.kind] ?? 'transaction control';
  if (type === 'VariableSetStmt') return setStatementName(body);
  if (type === 'VacuumStmt') return body.is_vacuumcmd ? 'VACUUM' : 'ANALYZE';
  if (type === 'ExplainStmt') return explainName(body);
  if (type === 'SelectStmt') return body.intoClause ? 'SELECT INTO' : 'SELECT';
  if (STATEMENT_NAMES[type]) return STATEMENT_NAMES[type];
  // InsertStmt -> INSERT, CreateFunctionStmt -> CREATE FUNCTION, AlterRoleStmt -> ALTER ROLE
  return type
    .replace(/Stmt$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase();
}

function setStatementName(body: Record<string, any>): string {
  const verb = body.kind === 'VAR_RESET' || body.kind === 'VAR_RESET_ALL' ? 'RESET' : 'SET';
  const name = String(body.name ?? (body.kind === 'VAR_RESET_ALL' ? 'ALL' : ''));
  if (name === 'role') return `${verb} ROLE`;
  if (name === 'session_authorization') return `${verb} SESSION AUTHORIZATION`;
  if (name === 'TRANSACTION' || name === 'SESSION CHARACTERISTICS') return `SET ${name}`;
  return `${verb} ${name}`.trim();
}

function explainName(body: Record<string, any>): string {
  const analyze = (body.options ?? []).some((o: any) => o.DefElem?.defname === 'analyze');
  const inner = body.query ? statementName(body.query) : 'a statement';
  return `EXPLAIN${analyze ? ' ANALYZE' : ''} of ${inner}`;
}

/**
 * Checks there is exactly one statement and that it is SELECT-shaped; returns it and its kind.
 * EXPLAIN is refused even of a SELECT: EXPLAIN ANALYZE runs the statement, and any plan shows
 * table statistics and "Rows Removed by Filter" counts for rows that row-level security hides.
 */
export function checkStatementShape(
  parsed: ParsedSql,
): { ok: true; stmt: Record<string, any>; kind: StatementKind } | { ok: false; violation: GuardViolation } {
  const { statements } = parsed;
  if (statements.length === 0) {
    return {
      ok: false,
      violation: { construct: 'empty', found: 'no statement', reason: 'the SQL is empty or only comments' },
    };
  }
  if (statements.length > 1) {
    const names = statements.map((s) => statementName(s.stmt)).join(', ');
    return {
      ok: false,
      violation: {
        construct: 'stacked_statements',
        found: `${statements.length} statements (${names})`,
        reason: 'exactly one statement is allowed; the second starts there',
        position: statements[1].start + 1,
      },
    };
  }
  const only = statements[0];
  const [type, body] = Object.entries(only.stmt)[0] as [string, Record<string, any>];
  if (type === 'ExplainStmt') {
    return {
      ok: false,
      violation: {
        construct: 'explain',
        found: statementName(only.stmt),
        reason:
          'EXPLAIN is refused: EXPLAIN ANALYZE executes the statement, and plans expose statistics and row counts that row-level security hides',
        position: only.start + 1,
      },
    };
  }
  if (type !== 'SelectStmt') {
    const name = statementName(only.stmt);
    return {
      ok: false,
      violation: {
        construct: 'statement',
        found: name,
        reason: `${describeCategory(type)}; only a single SELECT, VALUES or TABLE statement is accepted`,
        position: only.start + 1,
      },
    };
  }
  const kind: StatementKind = body.valuesLists
    ? 'values'
    : leadingKeyword(only.text) === 'table'
      ? 'table'
      : 'select';
  return { ok: true, stmt: body, kind };
}

function describeCategory(type: string): string {
  if (type === 'TransactionStmt') return 'transaction control would end the read-only transaction';
  if (type === 'VariableSetStmt' || type === 'DiscardStmt')
    return 'changing session settings or identity is not allowed';
  if (/^(Insert|Update|Delete|Merge|Truncate)Stmt$/.test(type)) return 'it changes data';
  if (type === 'CopyStmt') return 'COPY reads or writes files and programs';
  if (type === 'DoStmt' || type === 'CallStmt') return 'it runs procedural code';
  if (/^(Prepare|Execute|Deallocate)Stmt$/.test(type)) return 'prepared statements hide the SQL that runs';
  return 'it is not a query';
}

/** The first keyword of a statement, after comments and opening parentheses (SQL comments nest). */
export function leadingKeyword(text: string): string {
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s|\(/.test(c)) i++;
    else if (text.startsWith('--', i)) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl + 1;
    } else if (text.startsWith('/*', i)) {
      let depth = 1;
      i += 2;
      while (i < text.length && depth > 0) {
        const step = text.startsWith('/*', i) ? 1 : text.startsWith('*/', i) ? -1 : 0;
        depth += step;
        i += step === 0 ? 1 : 2;
      }
    } else break;
  }
  return (/^[a-z]+/i.exec(text.slice(i))?.[0] ?? '').toLowerCase();
}

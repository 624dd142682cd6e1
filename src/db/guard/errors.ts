import { ExitCode, McpopsError } from '../../errors.js';

/** What the guard found; `construct` is a stable id, `found` names it as it appears in the SQL. */
export interface GuardViolation {
  construct:
    | 'empty'
    | 'too_long'
    | 'stacked_statements'
    | 'statement'
    | 'explain'
    | 'select_into'
    | 'locking_clause'
    | 'writable_cte'
    | 'function'
    | 'operator'
    | 'setting'
    | 'tablesample'
    | 'statistics';
  /** e.g. `pg_sleep`, `COMMIT`, `FOR UPDATE`, `INSERT in WITH "x"`. */
  found: string;
  /** Why it is refused, said to whoever wrote the SQL (often a model). */
  reason: string;
  /** 1-based character position in the SQL when the parser recorded one. */
  position?: number;
}

const SUGGESTIONS: Record<GuardViolation['construct'], string> = {
  empty: 'Send one SELECT statement.',
  too_long: 'Send a shorter query: aggregate in SQL instead of listing values, or split the question.',
  stacked_statements: 'Send exactly one SELECT statement, without a second statement after `;`.',
  statement: 'Only one SELECT (or VALUES / TABLE) statement is accepted; rewrite the request as a SELECT.',
  explain: 'Run the SELECT itself; plans are not available through this interface.',
  select_into: 'Remove INTO; the rows are returned to you, nothing can be stored.',
  locking_clause: 'Remove the FOR UPDATE / FOR SHARE clause; reads here never lock rows.',
  writable_cte: 'Every WITH query must be a SELECT; data cannot be changed here.',
  function:
    'Use built-in read-only functions (aggregates, math, string, date/time, JSON, array); functions with side effects are refused.',
  operator:
    'Use the built-in operators (=, <, +, ||, LIKE, @>, ...); user-defined operators with side effects are refused.',
  setting: "Only current_setting('app.…') with a literal name (and a few harmless settings) may be read.",
  tablesample: 'Use TABLESAMPLE SYSTEM or BERNOULLI, or LIMIT.',
  statistics:
    'Count the rows you may see with count(*) on the retail tables; for table structure call get_multiple_table_schemas.',
};

/** The SQL was parsed and refused: it is not exactly one side-effect-free SELECT-shaped statement. */
export class GuardError extends McpopsError {
  readonly violations: GuardViolation[];
  readonly construct: GuardViolation['construct'];
  readonly position?: number;

  constructor(violations: GuardViolation[]) {
    const first = violations[0];
    const at = first.position ? ` at position ${first.position}` : '';
    const more =
      violations.length > 1
        ? ` (and ${violations.length - 1} more problem${violations.length > 2 ? 's' : ''})`
        : '';
    super(`SQL rejected: ${first.found}${at}: ${first.reason}${more}`, {
      code: 'sql_rejected',
      exitCode: ExitCode.failure,
      suggestion: SUGGESTIONS[first.construct],
    });
    this.violations = violations;
    this.construct = first.construct;
    this.position = first.position;
  }
}

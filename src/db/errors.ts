import { ConfigError, ExitCode, McpopsError, OperationError, UnavailableError } from '../errors.js';

export type DbErrorKind =
  | 'connection_refused'
  | 'auth_failed'
  | 'database_missing'
  | 'timeout'
  | 'permission'
  | 'syntax'
  | 'not_found'
  | 'read_only'
  | 'other';

/** A database failure with a kind, the SQLSTATE and, for syntax errors, the character position. */
export class DbError extends McpopsError {
  readonly kind: DbErrorKind;
  readonly sqlState?: string;
  readonly position?: number;

  constructor(
    message: string,
    options: {
      kind: DbErrorKind;
      sqlState?: string;
      position?: number;
      suggestion?: string;
      cause?: unknown;
      exitCode?: McpopsError['exitCode'];
    },
  ) {
    super(message, {
      code: `db_${options.kind}`,
      exitCode: options.exitCode ?? ExitCode.failure,
      suggestion: options.suggestion,
      cause: options.cause,
    });
    this.kind = options.kind;
    this.sqlState = options.sqlState;
    this.position = options.position;
  }
}

interface PgLikeError {
  code?: string;
  message?: string;
  position?: string;
  errno?: number;
  syscall?: string;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'ECONNRESET',
  'EAI_AGAIN',
  'EPIPE',
]);

/**
 * Turns a pg/driver error into a typed error with a fix. `where` names the database
 * (host:port/db, never a password) for connection-level messages.
 */
export function classifyDbError(error: unknown, where = 'the database'): McpopsError {
  if (error instanceof McpopsError) return error;
  const e = (error ?? {}) as PgLikeError;
  const code = e.code ?? '';
  const message = (e.message ?? String(error)).split('\n')[0];
  if (
    CONNECTION_CODES.has(code) ||
    /Connection terminated|connect ECONNREFUSED|timeout expired|timeout exceeded when trying to connect/i.test(
      message,
    )
  ) {
    return new UnavailableError(`cannot connect to ${where}: ${code || message}`, {
      code: 'db_unreachable',
      suggestion:
        'Check that PostgreSQL is running and that the host and port (DATABASE_URL or POSTGRES_HOST/PORT) are right.',
      cause: error,
    });
  }
  if (code === '28P01' || code === '28000') {
    return new ConfigError(`authentication to ${where} failed: ${message}`, {
      code: 'db_auth_failed',
      suggestion:
        'Check the user and password (POSTGRES_USER/POSTGRES_PASSWORD or DATABASE_URL) and pg_hba.conf.',
      cause: error,
    });
  }
  if (code === '3D000') {
    return new ConfigError(`${message} (${where})`, {
      code: 'db_database_missing',
      suggestion: 'Create it with `mcpops db init --database-url …`, or fix the database name.',
      cause: error,
    });
  }
  if (/^unsupported startup parameter/.test(message)) {
    // PgBouncer's answer to a session setting it cannot carry in transaction mode.
    return new ConfigError(`${where} refused a session setting: ${message}`, {
      code: 'db_pooler_session',
      suggestion:
        'This is PgBouncer (or another transaction pooler): point operator commands (health, index apply, backup, restore, db init) at PostgreSQL itself; only serve runs behind it.',
      cause: error,
    });
  }
  if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03') {
    return new UnavailableError(`${where} is not available: ${message}`, {
      code: 'db_unreachable',
      suggestion: 'The server is shutting down, restarting or refusing connections; retry shortly.',
      cause: error,
    });
  }
  const position = e.position ? Number(e.position) : undefined;
  if (code === '57014') {
    return new DbError(`query cancelled: ${message}`, {
      kind: 'timeout',
      sqlState: code,
      suggestion:
        'The statement ran past its time limit; narrow it (WHERE, LIMIT, fewer joins) or raise MCPOPS_STATEMENT_TIMEOUT_MS.',
      cause: error,
    });
  }
  if (code === '42501') {
    return new DbError(`permission denied: ${message}`, { kind: 'permission', sqlState: code, cause: error });
  }
  if (code === '25006') {
    return new DbError(`read-only: ${message}`, { kind: 'read_only', sqlState: code, cause: error });
  }
  if (code === '42601') {
    return new DbError(`syntax error: ${message}${position ? ` (at character ${position})` : ''}`, {
      kind: 'syntax',
      sqlState: code,
      position,
      cause: error,
    });
  }
  if (code === '42P01' || code === '42703' || code === '42883' || code === '3F000') {
    // The Zava tables live in schema retail, which is not on the search path.
    const table =
      code === '42P01' ? /^relation "([a-z_][a-z0-9_]*)" does not exist$/.exec(message)?.[1] : undefined;
    return new DbError(message, {
      kind: 'not_found',
      sqlState: code,
      position,
      cause: error,
      ...(table ? { suggestion: `Qualify the table with its schema, e.g. retail.${table}.` } : {}),
    });
  }
  if (code) return new DbError(message, { kind: 'other', sqlState: code, position, cause: error });
  return new OperationError(message, { code: 'db_error', cause: error });
}

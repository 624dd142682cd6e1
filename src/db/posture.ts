import type pg from 'pg';
import { loadSql } from './sql-files.js';

/** What a role could do to the retail data, read from the catalog. */
export interface RolePosture {
  role: string;
  exists: boolean;
  superuser: boolean;
  bypassRls: boolean;
  canLogin: boolean;
  defaultReadOnly: boolean;
  memberOf: string[];
  tablesWithoutRls: string[];
  tablesWithoutForceRls: string[];
  /** `schema.table:PRIVILEGE` for every write privilege held. */
  writeGrants: string[];
}

export interface PostureFinding {
  level: 'error' | 'warning';
  message: string;
  fix: string;
}

export async function inspectRolePosture(
  client: pg.ClientBase,
  role: string,
  schema = 'retail',
): Promise<RolePosture> {
  const { rows } = await client.query(loadSql('posture/role'), [role, schema]);
  const row = rows[0];
  return {
    role,
    exists: row.exists,
    superuser: row.superuser,
    bypassRls: row.bypass_rls,
    canLogin: row.can_login,
    defaultReadOnly: row.default_read_only,
    memberOf: row.member_of,
    tablesWithoutRls: row.tables_without_rls,
    tablesWithoutForceRls: row.tables_without_force_rls,
    writeGrants: row.write_grants,
  };
}

/**
 * Judges a posture: what makes row-level security or read-only meaningless is an error,
 * the rest a warning. `serve` refuses errors in prod; health and validate-config report them.
 */
export function judgeRolePosture(posture: RolePosture, purpose: 'login' | 'reader'): PostureFinding[] {
  const findings: PostureFinding[] = [];
  const who = `role ${posture.role}`;
  if (!posture.exists) {
    return [
      {
        level: 'error',
        message: `${who} does not exist`,
        fix: 'Run `mcpops db init` to create the serve roles.',
      },
    ];
  }
  if (posture.superuser) {
    findings.push({
      level: 'error',
      message: `${who} is a superuser: row-level security does not apply to it`,
      fix: `Connect serve as the least-privilege login role made by \`mcpops db init\` (or ALTER ROLE ${posture.role} NOSUPERUSER).`,
    });
  }
  if (posture.bypassRls && !posture.superuser) {
    findings.push({
      level: 'error',
      message: `${who} has BYPASSRLS: every store would see every row`,
      fix: `ALTER ROLE ${posture.role} NOBYPASSRLS.`,
    });
  }
  if (posture.tablesWithoutForceRls.length > 0) {
    findings.push({
      level: 'error',
      message: `row-level security is not forced on ${posture.tablesWithoutForceRls.join(', ')}`,
      fix: 'Run `mcpops db init` again, or ALTER TABLE … FORCE ROW LEVEL SECURITY on each.',
    });
  }
  if (posture.writeGrants.length > 0) {
    findings.push({
      level: purpose === 'reader' ? 'error' : 'warning',
      message: `${who} may write: ${posture.writeGrants.slice(0, 5).join(', ')}${posture.writeGrants.length > 5 ? ', …' : ''}`,
      fix: `REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA retail FROM ${posture.role}.`,
    });
  }
  if (purpose === 'login' && !posture.defaultReadOnly && !posture.superuser) {
    findings.push({
      level: 'warning',
      message: `${who} does not default to read-only transactions`,
      fix: `ALTER ROLE ${posture.role} SET default_transaction_read_only = on.`,
    });
  }
  return findings;
}

export interface ServePosture {
  /** The role this connection logged in as; absent when it was not judged. */
  login?: RolePosture;
  reader: RolePosture;
  /** Findings about the login role (`subject: 'login'`) and the reader role, messages prefixed so. */
  findings: Array<PostureFinding & { subject: 'login' | 'reader' }>;
}

/**
 * What `serve` would run as: the login role of this connection (skipped with `login: false`,
 * e.g. the embedded database's own superuser) and the reader role every call becomes.
 */
export async function judgeServePosture(
  client: pg.ClientBase,
  readerRole: string,
  options: { login?: boolean } = {},
): Promise<ServePosture> {
  const reader = await inspectRolePosture(client, readerRole);
  const findings: ServePosture['findings'] = [];
  let login: RolePosture | undefined;
  if (options.login !== false) {
    const { rows } = await client.query<{ user: string }>('SELECT current_user AS user');
    login = await inspectRolePosture(client, rows[0].user);
    for (const f of judgeRolePosture(login, 'login'))
      findings.push({ ...f, subject: 'login', message: `login ${f.message}` });
  }
  for (const f of judgeRolePosture(reader, 'reader'))
    findings.push({ ...f, subject: 'reader', message: `reader ${f.message}` });
  return { login, reader, findings };
}

/** A relation the reader role can read that row-level security does not close, and why. */
export interface OpenTable {
  name: string;
  problem: string;
}

/**
 * Every relation in `schema` the reader role can SELECT whose rows row-level security does not
 * guard: RLS disabled or not forced, no SELECT policy for the role, a view that reads as its
 * owner, a materialized view; all of them when the role bypasses RLS. Empty means closed.
 */
export async function findOpenTables(
  client: { query: (text: string, values: unknown[]) => Promise<{ rows: unknown[] }> },
  readerRole: string,
  schema = 'retail',
): Promise<OpenTable[]> {
  const { rows } = await client.query(loadSql('posture/open-tables'), [readerRole, schema]);
  return rows as OpenTable[];
}

import type pg from 'pg';
import { ConfigError, OperationError } from '../../errors.js';
import { passwordMatches, scramVerifier } from './scram.js';

export const ROLE_NAME = /^[a-z_][a-z0-9_]*$/;

export interface RoleOptions {
  readerRole: string;
  loginRole: string;
  loginPassword?: string;
}

interface RoleRow {
  oid: number;
  rolname: string;
  rolsuper: boolean;
  rolinherit: boolean;
  rolcreaterole: boolean;
  rolcreatedb: boolean;
  rolcanlogin: boolean;
  rolreplication: boolean;
  rolbypassrls: boolean;
  rolconfig: string[] | null;
}

// Roles are cluster-wide: another database's db init may create or alter the same role at the
// same moment. These are the errors such a race produces; the whole step is simply re-run.
const RACE_CODES = new Set(['23505', '42710', 'XX000', '40001', '40P01']);

export function assertRoleName(name: string, setting: string): void {
  if (!ROLE_NAME.test(name)) {
    throw new ConfigError(`${setting} ${JSON.stringify(name)} is not a valid role name`, {
      code: 'role_name_invalid',
      suggestion: 'Use lower-case letters, digits and underscores, starting with a letter or underscore.',
    });
  }
}

const quote = (name: string): string => `"${name}"`;

async function readRoles(client: pg.PoolClient, names: string[]): Promise<Map<string, RoleRow>> {
  const { rows } = await client.query<RoleRow>(
    `SELECT oid::int AS oid, rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin,
            rolreplication, rolbypassrls, rolconfig
       FROM pg_roles WHERE rolname = ANY($1::text[])`,
    [names],
  );
  return new Map(rows.map((r) => [r.rolname, r]));
}

async function readPassword(client: pg.PoolClient, role: string): Promise<string | null | undefined> {
  try {
    const { rows } = await client.query<{ rolpassword: string | null }>(
      'SELECT rolpassword FROM pg_authid WHERE rolname = $1',
      [role],
    );
    return rows[0]?.rolpassword ?? null;
  } catch {
    return undefined; // not a superuser: the stored password cannot be compared
  }
}

const SAFE_ATTRIBUTES = 'NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION';

function unsafe(role: RoleRow): boolean {
  return role.rolsuper || role.rolbypassrls || role.rolcreatedb || role.rolcreaterole || role.rolreplication;
}

async function ensureOnce(client: pg.PoolClient, options: RoleOptions, actions: string[]): Promise<void> {
  const { readerRole: reader, loginRole: login } = options;
  let roles = await readRoles(client, [reader, login]);
  const readerRow = roles.get(reader);
  if (!readerRow) {
    await client.query(`CREATE ROLE ${quote(reader)} NOLOGIN ${SAFE_ATTRIBUTES}`);
    actions.push(`created role ${reader} (NOLOGIN reader)`);
  } else if (readerRow.rolcanlogin || unsafe(readerRow)) {
    await client.query(`ALTER ROLE ${quote(reader)} NOLOGIN ${SAFE_ATTRIBUTES}`);
    actions.push(`restricted role ${reader} to NOLOGIN ${SAFE_ATTRIBUTES}`);
  }
  const loginRow = roles.get(login);
  if (!loginRow) {
    const password = options.loginPassword ? ` PASSWORD '${scramVerifier(options.loginPassword)}'` : '';
    await client.query(`CREATE ROLE ${quote(login)} LOGIN NOINHERIT ${SAFE_ATTRIBUTES}${password}`);
    actions.push(`created role ${login} (LOGIN, NOINHERIT)`);
  } else {
    if (!loginRow.rolcanlogin || loginRow.rolinherit || unsafe(loginRow)) {
      await client.query(`ALTER ROLE ${quote(login)} LOGIN NOINHERIT ${SAFE_ATTRIBUTES}`);
      actions.push(`restricted role ${login} to LOGIN NOINHERIT ${SAFE_ATTRIBUTES}`);
    }
    if (options.loginPassword) {
      const stored = await readPassword(client, login);
      if (!passwordMatches(stored ?? null, options.loginPassword, login)) {
        await client.query(`ALTER ROLE ${quote(login)} PASSWORD '${scramVerifier(options.loginPassword)}'`);
        actions.push(`set the password of role ${login}`);
      }
    }
  }
  roles = await readRoles(client, [reader, login]);
  const loginNow = roles.get(login) as RoleRow;
  if (!(loginNow.rolconfig ?? []).includes('default_transaction_read_only=on')) {
    await client.query(`ALTER ROLE ${quote(login)} SET default_transaction_read_only = on`);
    actions.push(`set default_transaction_read_only = on for role ${login}`);
  }
  const { rows: memberships } = await client.query<{ rolname: string }>(
    `SELECT DISTINCT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid
      WHERE m.member = $1`,
    [loginNow.oid],
  );
  const memberOf = memberships.map((m) => m.rolname);
  if (!memberOf.includes(reader)) {
    await client.query(`GRANT ${quote(reader)} TO ${quote(login)}`);
    actions.push(`granted role ${reader} to ${login}`);
  }
  // The login role may become the reader and nothing else.
  for (const other of memberOf.filter((name) => name !== reader)) {
    await client.query(`REVOKE ${client.escapeIdentifier(other)} FROM ${quote(login)}`);
    actions.push(`revoked role ${other} from ${login}`);
  }
}

/**
 * Creates or corrects the reader and serve-login roles. Idempotent and safe to run from several
 * processes at once (parallel test files, two operators).
 */
export async function ensureRoles(client: pg.PoolClient, options: RoleOptions): Promise<string[]> {
  assertRoleName(options.readerRole, 'serveRole');
  assertRoleName(options.loginRole, 'serveLoginRole');
  if (options.readerRole === options.loginRole) {
    throw new ConfigError('serveRole and serveLoginRole must be different roles', {
      code: 'role_names_equal',
      suggestion: 'Keep the defaults (zava_reader and zava_serve) or pick two different names.',
    });
  }
  // Actions of a raced attempt that did land are kept; the retry only does what is still missing.
  const actions: string[] = [];
  for (let attempt = 1; ; attempt++) {
    try {
      await ensureOnce(client, options, actions);
      return actions;
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      if (RACE_CODES.has(code) && attempt < 8) {
        await new Promise((resolve) => setTimeout(resolve, 20 + Math.floor(Math.random() * 80 * attempt)));
        continue;
      }
      if (code === '42501') {
        throw new OperationError(`not allowed to create or change roles: ${(error as Error).message}`, {
          code: 'roles_permission',
          suggestion: `Run db init as a superuser or a role with CREATEROLE, or have an administrator create the roles ${options.readerRole} and ${options.loginRole}.`,
          cause: error,
        });
      }
      throw error;
    }
  }
}

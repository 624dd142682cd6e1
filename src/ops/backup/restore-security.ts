import type pg from 'pg';
import { loadSql } from '../../db/sql-files.js';
import { ConfigError, OperationError } from '../../errors.js';

/**
 * Row security is in place before the first row arrives, so the restoring role must be one
 * that row security does not filter (a forced policy would refuse its COPY). Checked before
 * the target is touched.
 */
export async function assertBypassesRowSecurity(client: pg.Client, backupId: string): Promise<void> {
  const role = await client.query<{ name: string; bypass: boolean }>(
    'SELECT rolname AS name, rolsuper OR rolbypassrls AS bypass FROM pg_roles WHERE rolname = current_user',
  );
  const { name, bypass } = role.rows[0] ?? { name: 'the current role', bypass: false };
  if (bypass) return;
  throw new ConfigError(
    `backup ${backupId} has row-level security, and ${name} is subject to it; the rows could not be loaded`,
    {
      code: 'restore_role_rls',
      suggestion: `Restore as a superuser, or grant the role BYPASSRLS (ALTER ROLE ${name} BYPASSRLS) for the restore.`,
    },
  );
}

/** Refuses the grants of a restore while a served table could be read without its policies. */
export async function assertNoOpenTables(
  client: pg.Client,
  backupId: string,
  database: string,
): Promise<void> {
  const open = (await client.query<{ name: string }>(loadSql('backup/restore-open-tables'))).rows;
  if (!open.length) return;
  throw new OperationError(
    `restore: ${open.map((t) => t.name).join(', ')} in backup ${backupId} has row security off or not forced; no grant was given on ${database}`,
    {
      code: 'restore_rls_off',
      suggestion:
        'Enable and force row security on those tables (`mcpops db init` on the source does), back up again and restore that backup.',
    },
  );
}

import type pg from 'pg';
import { Secret } from '../../config/secret.js';
import { loadSql } from '../../db/sql-files.js';

/** The target database of a restore: its URL, how it prints, whether it holds anything, its marks. */

export function withDatabase(url: Secret, database: string): Secret {
  const parsed = new URL(url.reveal());
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return new Secret(parsed.toString());
}

export function describe(url: Secret): { where: string; database: string } {
  const parsed = new URL(url.reveal());
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  return {
    where: `postgres://${parsed.username ? `${decodeURIComponent(parsed.username)}@` : ''}${parsed.hostname}:${parsed.port || 5432}/${database}`,
    database,
  };
}

export async function isEmpty(client: pg.Client): Promise<boolean> {
  const result = await client.query(loadSql('backup/restore-target-objects'));
  return result.rows[0].n === 0;
}

/** Says on the database itself that it holds an unfinished restore; cleared with the grants. */
export function incompleteMark(client: pg.Client, database: string, id: string): string {
  const note = `mcpops: restore of ${id} started ${new Date().toISOString()} and has not finished; the reader has no grants here`;
  return `COMMENT ON DATABASE ${client.escapeIdentifier(database)} IS ${client.escapeLiteral(note)}`;
}

export function completeMark(client: pg.Client, database: string): string {
  return `COMMENT ON DATABASE ${client.escapeIdentifier(database)} IS NULL`;
}

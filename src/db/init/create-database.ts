import pg from 'pg';
import type { DatabaseTarget } from '../../config/database.js';
import { Secret } from '../../config/secret.js';
import { clientConfig } from '../connection.js';
import { classifyDbError } from '../errors.js';

type ServerTarget = Extract<DatabaseTarget, { kind: 'server' }>;

/**
 * Creates the target's database through the server's `postgres` database when it does not
 * exist yet. Returns true when it created it (false when it exists, also after a lost race).
 */
export async function createDatabaseIfMissing(target: ServerTarget): Promise<boolean> {
  const url = new URL(target.url.reveal());
  url.pathname = '/postgres';
  const client = new pg.Client(clientConfig(new Secret(url.toString()), { tls: target.tls }));
  client.on('error', () => {});
  const where = `${target.host}:${target.port}/postgres`;
  try {
    await client.connect();
  } catch (error) {
    throw classifyDbError(error, where);
  }
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      target.database,
    ]);
    if (rowCount) return false;
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(target.database)}`);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === '42P04') return false; // created by someone else meanwhile
    throw classifyDbError(error, where);
  } finally {
    await client.end().catch(() => {});
  }
}

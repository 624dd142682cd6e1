import pg from 'pg';
import { adminUrl } from './database.js';

/** Fails fast, with the fix, when the test PostgreSQL server is not reachable. */
export default async function setup(): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl('postgres') });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(
      `test PostgreSQL at ${adminUrl('postgres')} is not reachable (${(error as Error).message}); start it or set TEST_DATABASE_URL`,
    );
  } finally {
    await client.end().catch(() => {});
  }
}

import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The test server: TEST_DATABASE_URL (default the local server as postgres), any database name. */
export function adminUrl(database = 'postgres'): string {
  const url = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  url.pathname = `/${database}`;
  return url.toString();
}

export interface TestDatabase {
  name: string;
  url: string;
  /** A superuser client on the test database, for setup and for checking what tools return. */
  admin: pg.Client;
  drop(): Promise<void>;
}

/**
 * A fresh database for one test file, dropped after (call drop() in afterAll). The name is
 * random so test files and parallel runs never meet.
 */
export async function createTestDatabase(prefix = 'mcpops_test'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const root = new pg.Client({ connectionString: adminUrl('postgres') });
  await root.connect();
  try {
    await root.query(`CREATE DATABASE "${name}"`);
  } finally {
    await root.end();
  }
  const url = adminUrl(name);
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  return {
    name,
    url,
    admin,
    async drop() {
      await admin.end().catch(() => {});
      const client = new pg.Client({ connectionString: adminUrl('postgres') });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

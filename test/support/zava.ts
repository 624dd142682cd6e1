import pg from 'pg';
import { type InitReport, initDatabase, type SampleScale } from '../../src/db/init/index.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export interface ZavaTestDatabase extends TestDatabase {
  report: InitReport;
  /** The NOLOGIN reader role (SET LOCAL ROLE target), `zava_reader`. */
  readerRole: string;
  /** The serve login role, `zava_serve` (no password: the test server trusts loopback). */
  loginRole: string;
  /** The test database URL with the serve login role as user. */
  loginUrl: string;
}

/**
 * A fresh database with the Zava schema, roles, RLS and (by default) the tiny sample, built by
 * the same initDatabase as `mcpops db init`. Call drop() in afterAll.
 */
export async function createZavaTestDatabase(
  options: { scale?: SampleScale; sampleData?: boolean } = {},
): Promise<ZavaTestDatabase> {
  const db = await createTestDatabase('mcpops_zava');
  const readerRole = 'zava_reader';
  const loginRole = 'zava_serve';
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  pool.on('error', () => {});
  try {
    const report = await initDatabase(pool, {
      readerRole,
      loginRole,
      sampleData: options.sampleData ?? true,
      scale: options.scale ?? 'tiny',
    });
    const login = new URL(db.url);
    login.username = loginRole;
    login.password = '';
    return { ...db, report, readerRole, loginRole, loginUrl: login.toString() };
  } catch (error) {
    await db.drop().catch(() => {});
    throw error;
  } finally {
    await pool.end();
  }
}

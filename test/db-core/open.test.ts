import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { assertConfigValid, loadConfig } from '../../src/config/load.js';
import { openDatabaseCore as openDatabase } from '../../src/db/open.js';
import { withStoreSession } from '../../src/db/session.js';
import { adminUrl } from '../support/database.js';

describe('openDatabase on a server', () => {
  it('sets application name and an optional statement timeout at connect; jit and work_mem only inside a store session', async () => {
    const config = assertConfigValid(
      await loadConfig({ env: { DATABASE_URL: adminUrl('postgres') }, cwd: tmpdir() }),
    );
    const db = await openDatabase(config, {
      max: 2,
      applicationName: 'mcpops test',
      statementTimeoutMs: 4321,
    });
    try {
      // Two queries at once on a pool of two: each connection must carry the settings from the start.
      const [a, b] = await Promise.all([
        db.pool.query(
          "SELECT current_setting('statement_timeout') AS st, current_setting('application_name') AS app",
        ),
        db.pool.query("SELECT current_setting('jit') AS jit, current_setting('work_mem') AS wm"),
      ]);
      expect(a.rows[0]).toEqual({ st: '4321ms', app: 'mcpops test' });
      // No startup `options` (PgBouncer refuses them): the server's defaults outside a session.
      expect(b.rows[0]).toEqual({ jit: 'on', wm: '4MB' });
      const inSession = await withStoreSession(
        db.pool,
        { role: 'pg_read_all_data', rlsUserId: null, statementTimeoutMs: 1000, workMem: config.workMem },
        async (client) =>
          (await client.query("SELECT current_setting('jit') AS jit, current_setting('work_mem') AS wm"))
            .rows[0],
      );
      expect(inSession).toEqual({ jit: 'off', wm: '8MB' });
      expect(db.embedded).toBe(false);
      const url = new URL(adminUrl('postgres'));
      expect(db.where).toBe(`postgres://${url.username}@${url.hostname}:${url.port || 5432}/postgres`);
    } finally {
      await db.close();
    }
  });

  it('an unreachable server is exit 69 naming host and port, never a password', async () => {
    const config = assertConfigValid(
      await loadConfig({ env: { DATABASE_URL: 'postgres://u:secret-pw-9@127.0.0.1:1/zava' }, cwd: tmpdir() }),
    );
    const error = await openDatabase(config).catch((e: unknown) => e);
    expect(error).toMatchObject({ exitCode: 69, code: 'db_unreachable' });
    expect((error as Error).message).toContain('postgres://u@127.0.0.1:1/zava');
    expect((error as Error).message).not.toContain('secret-pw-9');
  });
});

import { describeDatabaseTarget, resolveDatabaseTarget } from '../config/database.js';
import type { Config } from '../config/schema.js';
import type { Database, OpenDatabaseOptions } from './database.js';
import { classifyDbError } from './errors.js';
import { createPool } from './pool.js';

export type { Database, FirstStartBuilder, OpenDatabaseOptions } from './database.js';

/**
 * Opens the configured database (callers outside src/db use the ops layer's `openDatabase`,
 * which supplies the Zava first-start builder): a pool on the server URL, or the embedded PGlite started on
 * a loopback port (built by `options.initialise` on first use) and a pool on that.
 */
export async function openDatabaseCore(config: Config, options: OpenDatabaseOptions = {}): Promise<Database> {
  const target = resolveDatabaseTarget(config);
  const where = describeDatabaseTarget(target);
  if (target.kind === 'embedded') {
    const { openEmbeddedDatabase } = await import('./embedded/index.js');
    return openEmbeddedDatabase(config, target, options);
  }
  const pool = createPool({
    url: target.url,
    sslMode: target.sslMode,
    tls: target.tls,
    config,
    max: options.max,
    applicationName: options.applicationName,
    statementTimeoutMs: options.statementTimeoutMs,
  });
  if (options.probe !== false) {
    try {
      const client = await pool.connect();
      client.release();
    } catch (error) {
      await pool.end().catch(() => {});
      throw classifyDbError(error, where);
    }
  }
  return { pool, target, url: target.url, where, embedded: false, close: () => pool.end() };
}

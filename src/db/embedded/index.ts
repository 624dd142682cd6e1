import type { DatabaseTarget } from '../../config/database.js';
import type { Config } from '../../config/schema.js';
import { UnavailableError } from '../../errors.js';
import type { Database, OpenDatabaseOptions } from '../open.js';

/** Placeholder until the embedded PGlite server lands. */
export async function openEmbeddedDatabase(
  _config: Config,
  target: Extract<DatabaseTarget, { kind: 'embedded' }>,
  _options: OpenDatabaseOptions,
): Promise<Database> {
  throw new UnavailableError(`the embedded database (${target.dir}) is not available yet`, {
    code: 'embedded_unavailable',
    suggestion: 'Set DATABASE_URL to a PostgreSQL server.',
  });
}

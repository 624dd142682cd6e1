import type { Config } from '../../config/schema.js';
import {
  type Database,
  type FirstStartBuilder,
  type OpenDatabaseOptions,
  openDatabaseCore,
} from '../../db/open.js';

/**
 * The embedded database's first start: the Zava schema, roles, RLS and sample through the same
 * bootstrap as `mcpops db init`, with product vectors only from an offline provider.
 */
export function zavaFirstStart(config: Config, signal?: AbortSignal): FirstStartBuilder {
  return async (pool, onProgress) => {
    // Loaded only when a folder is new: the sample generator is not needed to open one.
    const { bootstrapZava } = await import('./bootstrap.js');
    return bootstrapZava(pool, config, {
      sampleData: true,
      scale: config.embeddedScale,
      signal,
      embeddings: 'offline-only',
      onProgress,
    });
  };
}

/**
 * Opens the configured database for a command or the server: a server URL as it is, or the
 * embedded PGlite, built with the Zava sample when its folder is new.
 */
export function openDatabase(config: Config, options: OpenDatabaseOptions = {}): Promise<Database> {
  return openDatabaseCore(config, {
    ...options,
    initialise: options.initialise ?? zavaFirstStart(config, options.signal),
  });
}

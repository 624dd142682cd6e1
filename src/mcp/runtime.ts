import type { Config } from '../config/schema.js';
import type { CatalogCache } from '../db/guard/index.js';
import type { Database } from '../db/open.js';
import type { EmbeddingProvider } from '../embeddings/types.js';
import type { Identity, StoreDirectory } from './identity.js';
import type { Inflight } from './inflight.js';
import type { Logger } from './log.js';
import type { SchemaCache } from './schema/cache.js';
import { createZavaServer, type ZavaServer } from './server.js';
import type { IdentityProvider, SharedProduction, ToolExtra } from './tools/types.js';

/** What one serve process shares between its MCP servers (one per HTTP session). */
export interface ServeRuntime {
  db: Database;
  config: Config;
  directory: StoreDirectory;
  schemaCache: SchemaCache;
  guardCache: CatalogCache;
  /** Tool calls in flight; shutdown drains it. */
  inflight: Inflight;
  log: Logger;
  embeddings?: EmbeddingProvider;
  /** Result cache, breaker, metrics and posture gate shared by every session of this process. */
  production?: SharedProduction;
}

export function serverFor(
  runtime: ServeRuntime,
  identity: Identity | null | IdentityProvider,
  transport: 'stdio' | 'http',
): ZavaServer {
  return createZavaServer({
    db: runtime.db,
    config: runtime.config,
    identity,
    transport,
    embeddings: runtime.embeddings,
    schemaCache: runtime.schemaCache,
    guardCache: runtime.guardCache,
    inflight: runtime.inflight,
    log: runtime.log,
    production: runtime.production,
  });
}

/** The identity the HTTP layer resolved for the request that carried this call. */
export const identityFromRequest: IdentityProvider = (extra: ToolExtra) =>
  (extra.authInfo?.extra?.identity as Identity | null | undefined) ?? null;

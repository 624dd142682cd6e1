import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { Config } from '../../config/schema.js';
import type { CatalogCache } from '../../db/guard/index.js';
import type { Database } from '../../db/open.js';
import type { EmbeddingProvider } from '../../embeddings/types.js';
import type { Identity } from '../identity.js';
import type { Inflight } from '../inflight.js';
import type { Logger } from '../log.js';
import type { ProductionParts } from '../production.js';
import type { SchemaCache } from '../schema/cache.js';

export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** Decides the caller of one request: fixed at start (stdio) or per HTTP request (auth middleware). */
export type IdentityProvider = (extra: ToolExtra) => Identity | null;

export type ServeConfig = Pick<
  Config,
  'serveRole' | 'statementTimeoutMs' | 'maxRows' | 'maxBytes' | 'hnswEfSearch' | 'cacheTtlSeconds'
> &
  Partial<
    Pick<
      Config,
      'slowQueryMs' | 'poolQueueMax' | 'workMem' | 'searchVectorWeight' | 'searchTextWeight' | 'searchRrfK'
    >
  >;

/**
 * Everything a tool needs, injected by createZavaServer. Convention: one file per tool under
 * src/mcp/tools/, exporting `registerXxx(server: McpServer, deps: ToolDeps)`, which calls
 * `server.registerTool` with zod input and output schemas, READ_ONLY annotations and a handler
 * that reads data only through `runDataCall` (identity check, store session, errors, logging).
 */
export interface ToolDeps {
  db: Pick<Database, 'pool' | 'where' | 'reads'>;
  config: ServeConfig;
  identity: IdentityProvider;
  /** Which transport the server speaks; only used to word the "no identity" refusal. */
  transport: 'stdio' | 'http';
  embeddings?: EmbeddingProvider;
  schemaCache: SchemaCache;
  /** The SQL guard's pg_proc answers (the reader role is the same for every caller). */
  guardCache?: CatalogCache;
  inflight: Inflight;
  log: Logger;
  /** Result cache, database circuit breaker, metrics and the row-security gate (absent in tests). */
  production?: SharedProduction;
}

/** What every MCP server of one serve process shares; the posture gate is optional for tests. */
export type SharedProduction = Pick<ProductionParts, 'cache' | 'breaker' | 'metrics'> &
  Partial<Pick<ProductionParts, 'posture'>>;

export type RegisterTool = (server: McpServer, deps: ToolDeps) => void;

/** Every Zava tool only reads, the same call gives the same answer, and nothing outside the database is touched. */
export const READ_ONLY_ANNOTATIONS: ToolAnnotations = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};

import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import { CatalogCache } from '../db/guard/index.js';
import type { Database } from '../db/open.js';
import type { EmbeddingProvider } from '../embeddings/types.js';
import { packageVersion } from '../version.js';
import type { Identity } from './identity.js';
import { createInflight, type Inflight } from './inflight.js';
import { type Logger, silentLogger } from './log.js';
import { registerSchemaResources } from './resources.js';
import { createSchemaCache, type SchemaCache } from './schema/cache.js';
import { ZAVA_TOOLS } from './tools/index.js';
import type { IdentityProvider, ServeConfig, ToolDeps } from './tools/types.js';

export const SERVER_NAME = 'mcp-zava-sales';

const INSTRUCTIONS = `Zava retail sales data (PostgreSQL, schema "retail"), read-only and scoped to the caller's store.
Workflow: get_current_utc_date for relative dates; get_multiple_table_schemas for the tables involved; then execute_sales_query with one SELECT. Schemas are also resources at schema://retail/<table>.`;

export interface ZavaServerOptions {
  db: Pick<Database, 'pool' | 'where' | 'reads'>;
  config: ServeConfig;
  /** A fixed identity (stdio; null = none) or a per-request provider (HTTP). */
  identity: Identity | null | IdentityProvider;
  embeddings?: EmbeddingProvider;
  transport?: 'stdio' | 'http';
  /** Shared across the servers of one process (one per HTTP session); made fresh when absent. */
  schemaCache?: SchemaCache;
  guardCache?: CatalogCache;
  inflight?: Inflight;
  log?: Logger;
  production?: ToolDeps['production'];
}

export interface ZavaServer {
  server: McpServer;
  /** Disconnects this server's transport; the database belongs to the caller. */
  close(): Promise<void>;
}

/**
 * The SDK validates elicitation answers with Ajv and builds one Ajv instance per server (tens of
 * milliseconds, on every start and every HTTP session). These tools never elicit, so it is
 * built only if something asks for a validator, once per process.
 */
let ajv: AjvJsonSchemaValidator | undefined;
const lazyJsonSchemaValidator: jsonSchemaValidator = {
  getValidator(schema) {
    ajv ??= new AjvJsonSchemaValidator();
    return ajv.getValidator(schema);
  },
};

/** The Zava MCP server: four tools and the schema resources, over whatever transport it is connected to. */
export function createZavaServer(options: ZavaServerOptions): ZavaServer {
  const fixed = options.identity;
  const deps: ToolDeps = {
    db: options.db,
    config: options.config,
    identity: typeof fixed === 'function' ? fixed : () => fixed,
    transport: options.transport ?? 'stdio',
    embeddings: options.embeddings,
    schemaCache: options.schemaCache ?? createSchemaCache({ ttlMs: options.config.cacheTtlSeconds * 1000 }),
    guardCache: options.guardCache ?? new CatalogCache(),
    inflight: options.inflight ?? createInflight(),
    log: options.log ?? silentLogger,
    production: options.production,
  };
  const server = new McpServer(
    { name: SERVER_NAME, version: packageVersion() },
    {
      capabilities: { tools: {}, resources: {} },
      instructions: INSTRUCTIONS,
      jsonSchemaValidator: lazyJsonSchemaValidator,
    },
  );
  for (const register of ZAVA_TOOLS) register(server, deps);
  registerSchemaResources(server, deps);
  return { server, close: () => server.close() };
}

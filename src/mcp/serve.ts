import type { Config } from '../config/schema.js';
import { classifyDbError } from '../db/errors.js';
import { CatalogCache, checkReadOnlySql } from '../db/guard/index.js';
import type { Database } from '../db/open.js';
import { judgeServePosture } from '../db/posture.js';
import { withStoreSession } from '../db/session.js';
import { ConfigError, McpopsError, UsageError } from '../errors.js';
import { openDatabase } from '../ops/bootstrap/open.js';
import {
  type Identity,
  loadStoreDirectory,
  readStores,
  resolveIdentity,
  type StoreDirectory,
} from './identity.js';
import { createInflight } from './inflight.js';
import type { Logger } from './log.js';
import { startTelemetry } from './observability/telemetry.js';
import { createProductionParts, type ProductionParts } from './production.js';
import { withReadReplica } from './read-replica.js';
import type { ServeRuntime } from './runtime.js';
import { createSchemaCache } from './schema/cache.js';
import { startStdio } from './stdio.js';

export interface ServeOptions {
  config: Config;
  http: boolean;
  stateless: boolean;
  store?: string;
  rlsUserId?: string;
  log: Logger;
  /** Embedded database only: first-start progress. */
  onProgress?: (message: string, done?: number, total?: number) => void;
}

export interface RunningServe {
  transport: 'stdio' | 'http';
  url?: string;
  identity: Identity | null;
  /** Resolves when a stdio client hangs up; never for HTTP. */
  ended: Promise<void>;
  /** Graceful stop: no new calls, running ones finish (bounded), transports and pool close. */
  stop(deadlineMs?: number): Promise<void>;
}

const SHUTDOWN_DEADLINE_MS = 10_000;

/** Turns a setup failure into what the operator must do: init the database, fix the role, or wait. */
function setupError(error: unknown, db: Database, config: Config): McpopsError {
  const code = (error as { code?: string })?.code;
  if (code === '22023' || code === '42704')
    return new ConfigError(`the serve role ${config.serveRole} does not exist in ${db.where}`, {
      code: 'serve_role_missing',
      suggestion: 'Run `mcpops db init` on this database, or set MCPOPS_SERVE_ROLE to the reader role.',
    });
  if (code === '42501')
    return new ConfigError(`the login role may not become ${config.serveRole} (or read retail.stores)`, {
      code: 'serve_role_denied',
      suggestion: `GRANT ${config.serveRole} TO <login role>, or run \`mcpops db init\` and connect as the serve login role.`,
    });
  if (code === '42P01' || code === '3F000')
    return new ConfigError(`${db.where} has no Zava schema (retail.stores is missing)`, {
      code: 'schema_missing',
      suggestion: 'Run `mcpops db init --sample-data` against this database first.',
    });
  return classifyDbError(error, db.where);
}

async function checkPosture(db: Database, config: Config, log: Logger): Promise<void> {
  const client = await db.pool.connect();
  try {
    // The embedded database logs in as its own superuser by design; the reader role is what
    // every call becomes, so that is the posture that matters there.
    const { findings } = await judgeServePosture(client, config.serveRole, { login: !db.embedded });
    for (const finding of findings) {
      if (finding.level === 'error' && config.profile === 'prod')
        throw new ConfigError(finding.message, { code: 'serve_posture', suggestion: finding.fix });
      log.warn(finding.message, { fix: finding.fix });
    }
  } finally {
    client.release();
  }
}

async function openStores(db: Database, config: Config): Promise<StoreDirectory> {
  const read = () =>
    withStoreSession(
      db.pool,
      { role: config.serveRole, rlsUserId: null, statementTimeoutMs: 5000, where: db.where },
      readStores,
    );
  try {
    return await loadStoreDirectory(read);
  } catch (error) {
    throw setupError(error, db, config);
  }
}

/** Starts `mcpops serve`: database (exit 69 if unreachable), store list, identity, transport. */
export async function startServe(options: ServeOptions): Promise<RunningServe> {
  const { config, log } = options;
  if (options.http && (options.store !== undefined || options.rlsUserId !== undefined)) {
    throw new UsageError(
      '--store and --rls-user-id set the stdio identity; over HTTP each request names its store',
      {
        code: 'identity_flag_http',
        suggestion: 'Drop the flag and send the x-rls-user-id header from the client (see docs/serve.md).',
      },
    );
  }
  // Instantiate the SQL parser (WebAssembly) now, in the background, rather than in the first
  // caller's query: V8 compiles it on its own threads while the database is opened.
  void checkReadOnlySql('SELECT 1').catch(() => {});
  let db = await openDatabase(config, {
    probe: true,
    applicationName: `${config.applicationName}-serve`,
    onProgress: options.onProgress,
  });
  let runtime: ServeRuntime;
  let identity: Identity | null = null;
  let production: ProductionParts | undefined;
  try {
    await checkPosture(db, config, log).catch((error) => {
      throw error instanceof McpopsError ? error : setupError(error, db, config);
    });
    const directory = await openStores(db, config);
    if (!options.http) {
      identity = await resolveIdentity(
        { kind: 'stdio', store: options.store, rlsUserId: options.rlsUserId },
        directory,
      );
    }
    production = await createProductionParts(config, db.pool, log);
    db = await withReadReplica(db, config, production, log);
    await startTelemetry(config, log);
    runtime = {
      production,
      db,
      config,
      directory,
      schemaCache: createSchemaCache({ ttlMs: config.cacheTtlSeconds * 1000 }),
      guardCache: new CatalogCache(),
      inflight: createInflight(),
      log,
      // Embeds semantic_search_products queries; the offline providers need no network, and
      // use-lite loads its model only on the first semantic search.
      embeddings: await (await import('../embeddings/index.js')).createEmbeddingProvider(config),
    };
  } catch (error) {
    await production?.close();
    await db.close().catch(() => {});
    throw error;
  }
  const parts = production;

  if (options.http) {
    // The HTTP stack (and its SDK transport) is loaded only here: stdio starts without it.
    const { startHttp } = await import('./http.js');
    const { authStep, hygieneStep, metricsStep, operationalRoutes, rateLimitStep } = await import(
      './http-production.js'
    );
    const http = await startHttp(runtime, {
      host: config.httpHost,
      port: config.httpPort,
      stateless: options.stateless,
      maxBodyBytes: config.maxBodyBytes,
      middlewares: [
        hygieneStep(config),
        metricsStep(parts),
        operationalRoutes(parts, config),
        authStep(parts, runtime),
      ],
      afterIdentity: [rateLimitStep(parts)],
    }).catch(async (error) => {
      await parts.close();
      await db.close().catch(() => {});
      throw error;
    });
    log.info('serving', {
      transport: 'http',
      url: http.url,
      stateless: options.stateless,
      database: db.where,
    });
    return {
      transport: 'http',
      url: http.url,
      identity: null,
      ended: new Promise<void>(() => {}),
      async stop(deadlineMs = SHUTDOWN_DEADLINE_MS) {
        await http.close(deadlineMs);
        await parts.close();
        await db.close().catch(() => {});
      },
    };
  }

  if (!identity)
    log.warn('no store identity: data tools will refuse every call', {
      fix: 'pass --store or --rls-user-id',
    });
  const stdio = await startStdio(runtime, identity);
  log.info('serving', { transport: 'stdio', identity: identity?.label ?? null, database: db.where });
  return {
    transport: 'stdio',
    identity,
    ended: stdio.ended,
    async stop(deadlineMs = SHUTDOWN_DEADLINE_MS) {
      await stdio.close(deadlineMs);
      await parts.close();
      await db.close().catch(() => {});
    },
  };
}

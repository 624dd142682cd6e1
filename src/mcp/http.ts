import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { ReplicaStatus } from '../db/replica.js';
import { UnavailableError } from '../errors.js';
import { createMcpEndpoint, type JsonReply, jsonRpcError, type SessionOptions } from './http-sessions.js';
import { IdentityError, resolveIdentity } from './identity.js';
import { createInflight } from './inflight.js';
import { withinMs } from './resilience/deadline.js';
import type { ServeRuntime } from './runtime.js';

export const MCP_PATH = '/mcp';

export interface HttpContext {
  req: IncomingMessage & { auth?: AuthInfo };
  res: ServerResponse;
  url: URL;
  requestId: string;
  reply: JsonReply;
}

/**
 * One step of request handling. The production issue adds Host/Origin checks, JWT auth, rate
 * limits and metrics as further steps before `identity`, without touching the routes.
 */
export type Middleware = (ctx: HttpContext, next: () => Promise<void>) => Promise<void>;

export function compose(middlewares: Middleware[]): (ctx: HttpContext) => Promise<void> {
  return (ctx) => {
    const run = (index: number): Promise<void> =>
      index < middlewares.length ? middlewares[index](ctx, () => run(index + 1)) : Promise.resolve();
    return run(0);
  };
}

export interface HttpServeOptions extends Partial<SessionOptions> {
  /** Defaults: the httpHeadersTimeoutMs and httpRequestTimeoutMs settings. */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  host: string;
  port: number;
  stateless: boolean;
  maxBodyBytes: number;
  /** How long /ready waits for SELECT 1. */
  readyTimeoutMs?: number;
  /** Steps run before identity (hygiene, metrics, operational routes, auth). */
  middlewares?: Middleware[];
  /** Steps run once the identity is known (rate limits). */
  afterIdentity?: Middleware[];
}

export interface RunningHttp {
  url: string;
  port: number;
  /** Stop accepting, let running requests finish (up to `deadlineMs`), close sessions. */
  close(deadlineMs: number): Promise<void>;
}

function replier(res: ServerResponse): JsonReply {
  return (status, body, headers = {}) => {
    if (res.headersSent) return;
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
    res.end(JSON.stringify(body));
  };
}

/** Answers, with no stack trace, whatever a later step throws. */
function errorBoundary(runtime: ServeRuntime): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      runtime.log.error('http request failed', {
        requestId: ctx.requestId,
        path: ctx.url.pathname,
        error: (error as Error)?.message,
      });
      if (!ctx.res.headersSent) ctx.reply(500, jsonRpcError(-32603, 'internal server error'));
      else ctx.res.destroy();
    }
  };
}

/** Decides the caller once per request; a given but unacceptable identity is refused here. */
function identityStep(runtime: ServeRuntime): Middleware {
  return async (ctx, next) => {
    // An authentication step earlier in the chain has already decided the identity.
    if (ctx.url.pathname !== MCP_PATH || ctx.req.auth) return next();
    try {
      const identity = await resolveIdentity({ kind: 'http', headers: ctx.req.headers }, runtime.directory);
      ctx.req.auth = {
        token: '',
        clientId: identity?.rlsUserId ?? 'anonymous',
        scopes: [],
        extra: { identity },
      };
    } catch (error) {
      if (!(error instanceof IdentityError)) throw error;
      runtime.log.info('identity refused', { requestId: ctx.requestId, reason: error.message });
      return ctx.reply(403, jsonRpcError(-32001, `${error.message}. ${error.suggestion}`));
    }
    return next();
  };
}

export interface Readiness {
  ready: boolean;
  /** What is wrong, for the operator reading /ready; absent when ready. */
  reason?: string;
  database: 'ok' | 'unreachable' | 'not checked';
  breaker: string;
  posture: 'closed' | 'open' | 'unknown';
}

/**
 * Ready only when a call could succeed: not shutting down, breaker not open, row security of
 * the retail tables closed, and the database answering SELECT 1 in time.
 */
async function readiness(runtime: ServeRuntime, closing: boolean, timeoutMs: number): Promise<Readiness> {
  const breaker = runtime.production?.breaker.state() ?? 'closed';
  const gate = runtime.production?.posture;
  let posture = gate?.status() ?? { state: 'closed' as const };
  // A probe must answer in time: wait for a fresh posture read at most as long as for SELECT 1.
  if (posture.state === 'unknown' && gate) posture = (await withinMs(gate.check(), timeoutMs)) ?? posture;
  const base = { breaker, posture: posture.state, database: 'not checked' as const };
  if (closing) return { ready: false, reason: 'the server is shutting down', ...base };
  if (breaker === 'open') return { ready: false, reason: 'the database circuit breaker is open', ...base };
  if (posture.state === 'open')
    return {
      ready: false,
      reason: `row-level security is open on ${posture.tables.map((t) => t.name).join(', ')}`,
      ...base,
    };
  const reachable = await databaseReady(runtime, timeoutMs);
  if (!reachable)
    return { ready: false, reason: 'the database is unreachable', ...base, database: 'unreachable' };
  if (posture.state === 'unknown')
    return {
      ready: false,
      reason: 'the row-level security posture could not be read',
      ...base,
      database: 'ok',
    };
  return { ready: true, ...base, database: 'ok' };
}

async function databaseReady(runtime: ServeRuntime, timeoutMs: number): Promise<boolean> {
  const probe = runtime.db.pool.query('SELECT 1').then(() => true);
  return (await withinMs(probe, timeoutMs)) ?? false;
}

function replicaReadiness(status: ReplicaStatus) {
  return {
    state: status.reachable ? (status.reason === 'lagging' ? 'lagging' : 'ok') : 'unreachable',
    reads: status.reads,
    ...(status.reason ? { reason: status.reason } : {}),
    ...(status.lagSeconds !== undefined ? { lagSeconds: status.lagSeconds } : {}),
  };
}

/** Streamable HTTP on node:http: /mcp, /health (process alive) and /ready (database reachable). */
export async function startHttp(runtime: ServeRuntime, options: HttpServeOptions): Promise<RunningHttp> {
  const { config } = runtime;
  const endpoint = createMcpEndpoint(runtime, {
    stateless: options.stateless,
    maxBodyBytes: options.maxBodyBytes,
    maxSessions: options.maxSessions ?? config.httpMaxSessions,
    maxSessionsPerCaller: options.maxSessionsPerCaller ?? config.httpSessionsPerIdentity,
    idleMs: options.idleMs ?? config.httpSessionIdleSeconds * 1000,
    bodyTimeoutMs: options.bodyTimeoutMs ?? config.httpBodyTimeoutMs,
    jsonResponse: options.jsonResponse,
  });
  // Requests on /mcp in progress: shutdown waits for their answers to be written.
  const requests = createInflight();
  const routes: Middleware = async (ctx) => {
    const { req, url } = ctx;
    if (url.pathname === '/health' && req.method === 'GET') return ctx.reply(200, { status: 'ok' });
    if (url.pathname === '/ready' && req.method === 'GET') {
      const { ready, ...state } = await readiness(runtime, requests.closing, options.readyTimeoutMs ?? 2000);
      return ctx.reply(ready ? 200 : 503, {
        status: ready ? 'ready' : 'unavailable',
        ...state,
        // The replica is reported, not required: reads fall back to the primary without it.
        ...(runtime.db.reads ? { replica: replicaReadiness(runtime.db.reads.status()) } : {}),
      });
    }
    if (url.pathname !== MCP_PATH)
      return ctx.reply(404, { error: 'not found', paths: [MCP_PATH, '/health', '/ready'] });
    if (req.method !== 'POST') return endpoint.handle(req, ctx.res, ctx.reply);
    if (requests.closing) return ctx.reply(503, jsonRpcError(-32000, 'the server is shutting down'));
    return requests.run(
      () =>
        new Promise<void>((resolve, reject) => {
          ctx.res.once('close', () => resolve());
          endpoint.handle(req, ctx.res, ctx.reply).catch(reject);
        }),
    );
  };
  const handle = compose([
    errorBoundary(runtime),
    ...(options.middlewares ?? []),
    identityStep(runtime),
    ...(options.afterIdentity ?? []),
    routes,
  ]);

  const headersTimeout = options.headersTimeoutMs ?? config.httpHeadersTimeoutMs;
  const requestTimeout = options.requestTimeoutMs ?? config.httpRequestTimeoutMs;
  // Node answers 408 when the headers (headersTimeout) or the whole request, headers and body
  // (requestTimeout), are not in by then; it looks every connectionsCheckingInterval. Responses
  // (SSE streams) are not bound by either; the body step adds its own 408 (bodyTimeoutMs).
  const server = createServer(
    {
      headersTimeout,
      requestTimeout,
      connectionsCheckingInterval: Math.max(100, Math.min(30_000, Math.floor(headersTimeout / 4))),
    },
    (req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      void handle({ req, res, url, requestId: randomUUID(), reply: replier(res) });
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new UnavailableError(
          `cannot listen on ${options.host}:${options.port}: ${error.code ?? error.message}`,
          {
            code: 'listen_failed',
            suggestion: 'Choose another --port (or 0 for any free port), or stop whatever holds this one.',
          },
        ),
      ),
    );
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}${MCP_PATH}`,
    port: address.port,
    async close(deadlineMs) {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([requests.drain(deadlineMs), runtime.inflight.drain(deadlineMs)]);
      await endpoint.closeAll();
      server.closeAllConnections();
      await stopped;
    },
  };
}

import type { Config } from '../config/schema.js';
import { authorizeIdentity } from './auth/authorize.js';
import { AuthError } from './auth/errors.js';
import { type HttpContext, MCP_PATH, type Middleware } from './http.js';
import { applyCors, applySecurityHeaders, checkHostAndOrigin, hygieneOptions } from './http-hygiene.js';
import { jsonRpcError } from './http-sessions.js';
import { HEAD_OFFICE_IDENTITY, type Identity, storeIdentity } from './identity.js';
import type { ProductionParts } from './production.js';
import type { ServeRuntime } from './runtime.js';

const METADATA_PATH = '/.well-known/oauth-protected-resource';
const KNOWN_PATHS = new Set([MCP_PATH, '/health', '/ready', '/metrics', METADATA_PATH]);

function clientAddress(ctx: HttpContext): string {
  return ctx.req.socket.remoteAddress ?? 'unknown';
}

/** Security headers, CORS for configured origins only, and the DNS-rebinding Host/Origin check. */
export function hygieneStep(config: Config): Middleware {
  const options = hygieneOptions(config.allowedHosts, config.allowedOrigins);
  return async (ctx, next) => {
    applySecurityHeaders(ctx.res);
    applyCors(ctx.req, ctx.res, options);
    const refused = checkHostAndOrigin(ctx.req, options);
    if (refused) return ctx.reply(403, jsonRpcError(-32000, `request refused: ${refused}`));
    if (ctx.req.method === 'OPTIONS') {
      ctx.res.writeHead(204);
      ctx.res.end();
      return;
    }
    return next();
  };
}

/** Counts every request by method, path and status once the answer is written. */
export function metricsStep(parts: ProductionParts): Middleware {
  return async (ctx, next) => {
    ctx.res.once('finish', () => {
      const path = KNOWN_PATHS.has(ctx.url.pathname) ? ctx.url.pathname : 'other';
      parts.metrics.httpRequests.inc({
        method: ctx.req.method ?? 'GET',
        path,
        status: String(ctx.res.statusCode),
      });
    });
    return next();
  };
}

/** /metrics (Prometheus text) and the OAuth protected-resource metadata MCP clients discover. */
export function operationalRoutes(parts: ProductionParts, config: Config): Middleware {
  return async (ctx, next) => {
    if (ctx.req.method === 'GET' && ctx.url.pathname === '/metrics') {
      ctx.res.writeHead(200, { 'content-type': parts.metrics.registry.contentType });
      ctx.res.end(await parts.metrics.registry.metrics());
      return;
    }
    if (ctx.req.method === 'GET' && ctx.url.pathname.startsWith(METADATA_PATH) && config.authMode === 'jwt') {
      return ctx.reply(200, protectedResourceMetadata(ctx, config));
    }
    return next();
  };
}

function publicBase(ctx: HttpContext, config: Config): string {
  return config.publicUrl?.replace(/\/$/, '') ?? `http://${ctx.req.headers.host ?? 'localhost'}`;
}

function protectedResourceMetadata(ctx: HttpContext, config: Config): Record<string, unknown> {
  const servers = (
    config.authorizationServers ?? (/^https?:\/\//.test(config.jwtIssuer) ? config.jwtIssuer : '')
  )
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return {
    resource: `${publicBase(ctx, config)}${MCP_PATH}`,
    authorization_servers: servers,
    bearer_methods_supported: ['header'],
  };
}

function challenge(ctx: HttpContext, config: Config, error?: AuthError): string {
  const metadata = `${publicBase(ctx, config)}${METADATA_PATH}`;
  const detail = error
    ? `, error="invalid_token", error_description="${error.message.replace(/"/g, "'")}"`
    : '';
  return `Bearer realm="mcp", resource_metadata="${metadata}"${detail}`;
}

/**
 * Bearer JWT authentication for /mcp: the token decides which stores the caller may act as;
 * x-rls-user-id picks one of them. Failures are counted per client address and limited.
 */
export function authStep(parts: ProductionParts, runtime: ServeRuntime): Middleware {
  const { config } = runtime;
  return async (ctx, next) => {
    if (ctx.url.pathname !== MCP_PATH || ctx.req.method === 'OPTIONS' || !parts.authenticate) return next();
    const refuse = async (status: 400 | 401 | 403 | 429, error: AuthError, reason: string) => {
      parts.metrics.authFailures.inc({ reason });
      const decision = await parts.authFailures.take(clientAddress(ctx));
      if (!decision.allowed) {
        parts.metrics.rateLimited.inc({ kind: 'auth' });
        return ctx.reply(429, jsonRpcError(-32000, 'too many failed authentications'), {
          'retry-after': String(decision.retryAfterSeconds),
        });
      }
      runtime.log.info('auth refused', { requestId: ctx.requestId, status, reason: error.message });
      const headers: Record<string, string> =
        status === 401 ? { 'www-authenticate': challenge(ctx, config, error) } : {};
      return ctx.reply(
        status,
        jsonRpcError(-32001, error.suggestion ? `${error.message}. ${error.suggestion}` : error.message),
        headers,
      );
    };
    const header = ctx.req.headers.authorization;
    const token =
      typeof header === 'string' && /^Bearer\s+/i.test(header)
        ? header.replace(/^Bearer\s+/i, '').trim()
        : '';
    if (!token) {
      parts.metrics.authFailures.inc({ reason: 'missing' });
      return ctx.reply(
        401,
        jsonRpcError(-32001, 'authentication required: send Authorization: Bearer <token>'),
        {
          'www-authenticate': challenge(ctx, config),
        },
      );
    }
    try {
      const principal = await parts.authenticate(token);
      const requested = ctx.req.headers['x-rls-user-id'];
      const rlsUserId = authorizeIdentity(
        principal,
        Array.isArray(requested) ? requested[0] : requested,
        runtime.directory.stores(),
        parts.regions,
      );
      const store = runtime.directory.stores().find((s) => s.rlsUserId === rlsUserId);
      // authorizeIdentity accepts only head office or a store of the directory.
      const identity = store ? storeIdentity(store) : HEAD_OFFICE_IDENTITY;
      ctx.req.auth = {
        token,
        clientId: principal.subject,
        scopes: [principal.role],
        extra: { identity, principal: principal.subject },
      };
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      return refuse(error.status, error, error.status === 401 ? 'invalid_token' : 'forbidden');
    }
    return next();
  };
}

/** Calls per identity (token bucket, shared through Redis when configured); 429 with Retry-After. */
export function rateLimitStep(parts: ProductionParts): Middleware {
  return async (ctx, next) => {
    if (ctx.url.pathname !== MCP_PATH || ctx.req.method !== 'POST') return next();
    const identity = ctx.req.auth?.extra?.identity as Identity | null | undefined;
    const key = identity ? `id:${identity.rlsUserId}` : `addr:${clientAddress(ctx)}`;
    const decision = await parts.limiter.take(key);
    if (!decision.allowed) {
      parts.metrics.rateLimited.inc({ kind: 'calls' });
      return ctx.reply(
        429,
        jsonRpcError(-32000, `rate limit reached; retry in ${decision.retryAfterSeconds} s`),
        {
          'retry-after': String(decision.retryAfterSeconds),
        },
      );
    }
    return next();
  };
}

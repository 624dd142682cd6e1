import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Identity } from './identity.js';
import { identityFromRequest, type ServeRuntime, serverFor } from './runtime.js';
import type { ZavaServer } from './server.js';

export interface SessionOptions {
  stateless: boolean;
  maxBodyBytes: number;
  /** Open sessions allowed at once; more are refused (503) rather than growing memory. */
  maxSessions: number;
  /** Open sessions one caller may hold (below maxSessions, so no caller can take them all); 429 past it. */
  maxSessionsPerCaller: number;
  /** A session unused this long is closed. */
  idleMs: number;
  /** Time allowed to receive a request body once the headers are in; 408 after. */
  bodyTimeoutMs: number;
  /** Answer POSTs with one JSON body instead of an SSE stream (no progress notifications needed). */
  jsonResponse?: boolean;
}

interface Session {
  transport: StreamableHTTPServerTransport;
  zava: ZavaServer;
  lastSeen: number;
  /** Who created it (token subject and store identity); only they may use or end it. */
  owner: string;
  /** Whose session cap it counts against. */
  quota: string;
}

type AuthedRequest = IncomingMessage & { auth?: { extra?: Record<string, unknown> } };

/**
 * The caller a request comes from. `owner` is the token subject (with auth on) and the store
 * identity; `quota` is the subject, or without auth the identity (anonymous callers by address).
 */
export function callerOf(req: AuthedRequest): { owner: string; quota: string } {
  const extra = req.auth?.extra ?? {};
  const identity = extra.identity as Identity | null | undefined;
  const subject = typeof extra.principal === 'string' ? extra.principal : undefined;
  const who = identity ? `id:${identity.rlsUserId}` : `anonymous:${req.socket.remoteAddress ?? ''}`;
  return subject
    ? { owner: `sub:${subject}\u0000${who}`, quota: `sub:${subject}` }
    : { owner: who, quota: who };
}

export type JsonReply = (status: number, body: unknown, headers?: Record<string, string>) => void;

export function jsonRpcError(code: number, message: string): unknown {
  return { jsonrpc: '2.0', error: { code, message }, id: null };
}

export type BodyResult = { ok: true; body: unknown } | { ok: false; status: number; message: string };

/**
 * Reads a JSON body up to `limit` bytes within `timeoutMs`; never buffers more than the limit,
 * and a client that trickles its body gets 408 instead of holding the request open.
 */
export function readJsonBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<BodyResult> {
  const tooLarge = { ok: false as const, status: 413, message: `request body larger than ${limit} bytes` };
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve(tooLarge);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: BodyResult) => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (!result.ok) req.pause();
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish(tooLarge);
      else chunks.push(chunk);
    };
    const onEnd = () => {
      try {
        finish({ ok: true, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      } catch {
        finish({ ok: false, status: 400, message: 'request body is not valid JSON' });
      }
    };
    const onError = () => finish({ ok: false, status: 400, message: 'request body could not be read' });
    const onClose = () => {
      if (!req.complete) onError();
    };
    const timer = setTimeout(
      () => finish({ ok: false, status: 408, message: `request body not received within ${timeoutMs} ms` }),
      timeoutMs,
    );
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/**
 * The MCP endpoint: stateful (a session id per client, one McpServer per session, as the
 * Streamable HTTP spec describes) or stateless (a fresh server and transport per request).
 */
export function createMcpEndpoint(runtime: ServeRuntime, options: SessionOptions) {
  const sessions = new Map<string, Session>();
  // Sessions being initialised, per quota: counted so parallel initialize requests cannot overshoot.
  const starting = new Map<string, number>();
  const sweep = setInterval(
    () => {
      const cutoff = Date.now() - options.idleMs;
      for (const [id, session] of sessions) if (session.lastSeen < cutoff) void closeSession(id, session);
    },
    Math.max(250, Math.min(options.idleMs / 2, 60_000)),
  );
  sweep.unref();

  async function closeSession(id: string, session: Session): Promise<void> {
    sessions.delete(id);
    await session.zava.close().catch(() => {});
  }

  /** The caller's own session, or undefined: someone else's session id is answered as unknown (404). */
  function ownSession(req: IncomingMessage, sessionId: string): Session | undefined {
    const session = sessions.get(sessionId);
    return session && session.owner === callerOf(req).owner ? session : undefined;
  }

  function openSessionsOf(quota: string): number {
    let count = starting.get(quota) ?? 0;
    for (const session of sessions.values()) if (session.quota === quota) count += 1;
    return count;
  }

  async function handlePost(req: IncomingMessage, res: ServerResponse, reply: JsonReply): Promise<void> {
    const read = await readJsonBody(req, options.maxBodyBytes, options.bodyTimeoutMs);
    if (!read.ok) {
      const code = read.status === 400 ? -32700 : -32600;
      // The rest of an unread body would be taken for the next request: end the connection.
      return reply(
        read.status,
        jsonRpcError(code, read.message),
        read.status === 400 ? {} : { connection: 'close' },
      );
    }
    if (options.stateless) {
      const zava = serverFor(runtime, identityFromRequest, 'http');
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: undefined,
        enableJsonResponse: options.jsonResponse,
      });
      res.on('close', () => void zava.close().catch(() => {}));
      await zava.server.connect(transport);
      return transport.handleRequest(req, res, read.body);
    }
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const session = ownSession(req, sessionId);
      if (!session) return reply(404, jsonRpcError(-32001, 'session not found; initialize a new session'));
      session.lastSeen = Date.now();
      return session.transport.handleRequest(req, res, read.body);
    }
    if (!isInitializeRequest(read.body)) {
      return reply(
        400,
        jsonRpcError(-32000, 'no mcp-session-id header; the first request must be initialize'),
      );
    }
    const { owner, quota } = callerOf(req);
    if (openSessionsOf(quota) >= options.maxSessionsPerCaller) {
      return reply(
        429,
        jsonRpcError(
          -32000,
          `too many open sessions for this caller (${options.maxSessionsPerCaller}); end unused ones with DELETE or reuse one`,
        ),
        { 'retry-after': '5' },
      );
    }
    let open = sessions.size;
    for (const n of starting.values()) open += n;
    if (open >= options.maxSessions) {
      return reply(503, jsonRpcError(-32000, 'too many open sessions; retry later'), { 'retry-after': '5' });
    }
    starting.set(quota, (starting.get(quota) ?? 0) + 1);
    let counted = true;
    // Once the session is in the map (or the initialize failed) it no longer counts as starting.
    const started = () => {
      if (!counted) return;
      counted = false;
      const left = (starting.get(quota) ?? 1) - 1;
      if (left > 0) starting.set(quota, left);
      else starting.delete(quota);
    };
    try {
      const zava = serverFor(runtime, identityFromRequest, 'http');
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: options.jsonResponse,
        onsessioninitialized: (id) => {
          sessions.set(id, { transport, zava, lastSeen: Date.now(), owner, quota });
          started();
        },
      });
      transport.onclose = () => {
        if (transport.sessionId) sessions.delete(transport.sessionId);
      };
      await zava.server.connect(transport);
      return await transport.handleRequest(req, res, read.body);
    } finally {
      started();
    }
  }

  /** GET opens the session's notification stream; DELETE ends the session. */
  async function handleSessionRequest(req: IncomingMessage, res: ServerResponse, reply: JsonReply) {
    if (options.stateless)
      return reply(405, jsonRpcError(-32000, 'method not allowed in stateless mode'), { allow: 'POST' });
    const sessionId = req.headers['mcp-session-id'];
    const session = typeof sessionId === 'string' ? ownSession(req, sessionId) : undefined;
    if (!session)
      return reply(
        typeof sessionId === 'string' ? 404 : 400,
        jsonRpcError(-32000, 'unknown or missing mcp-session-id'),
      );
    session.lastSeen = Date.now();
    return session.transport.handleRequest(req, res);
  }

  return {
    handle(req: IncomingMessage, res: ServerResponse, reply: JsonReply): Promise<void> {
      if (req.method === 'POST') return handlePost(req, res, reply);
      if (req.method === 'GET' || req.method === 'DELETE') return handleSessionRequest(req, res, reply);
      reply(405, jsonRpcError(-32000, 'method not allowed'), { allow: 'GET, POST, DELETE' });
      return Promise.resolve();
    },
    get size() {
      return sessions.size;
    },
    async closeAll(): Promise<void> {
      clearInterval(sweep);
      await Promise.all([...sessions].map(([id, session]) => closeSession(id, session)));
    },
  };
}

export type McpEndpoint = ReturnType<typeof createMcpEndpoint>;

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { identityFromRequest, type ServeRuntime, serverFor } from './runtime.js';
import type { ZavaServer } from './server.js';

export interface SessionOptions {
  stateless: boolean;
  maxBodyBytes: number;
  /** Open sessions allowed at once; more are refused (503) rather than growing memory. */
  maxSessions: number;
  /** A session unused this long is closed. */
  idleMs: number;
  /** Answer POSTs with one JSON body instead of an SSE stream (no progress notifications needed). */
  jsonResponse?: boolean;
}

interface Session {
  transport: StreamableHTTPServerTransport;
  zava: ZavaServer;
  lastSeen: number;
}

export type JsonReply = (status: number, body: unknown, headers?: Record<string, string>) => void;

export function jsonRpcError(code: number, message: string): unknown {
  return { jsonrpc: '2.0', error: { code, message }, id: null };
}

/** Reads a JSON body up to `limit` bytes; never buffers more than that. */
export async function readJsonBody(
  req: IncomingMessage,
  limit: number,
): Promise<{ ok: true; body: unknown } | { ok: false; status: number; message: string }> {
  const declared = Number(req.headers['content-length']);
  const tooLarge = { ok: false as const, status: 413, message: `request body larger than ${limit} bytes` };
  if (Number.isFinite(declared) && declared > limit) return tooLarge;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return tooLarge;
    chunks.push(chunk as Buffer);
  }
  try {
    return { ok: true, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
  } catch {
    return { ok: false, status: 400, message: 'request body is not valid JSON' };
  }
}

/**
 * The MCP endpoint: stateful (a session id per client, one McpServer per session, as the
 * Streamable HTTP spec describes) or stateless (a fresh server and transport per request).
 */
export function createMcpEndpoint(runtime: ServeRuntime, options: SessionOptions) {
  const sessions = new Map<string, Session>();
  const sweep = setInterval(
    () => {
      const cutoff = Date.now() - options.idleMs;
      for (const [id, session] of sessions) if (session.lastSeen < cutoff) void closeSession(id, session);
    },
    Math.min(options.idleMs, 60_000),
  );
  sweep.unref();

  async function closeSession(id: string, session: Session): Promise<void> {
    sessions.delete(id);
    await session.zava.close().catch(() => {});
  }

  async function handlePost(req: IncomingMessage, res: ServerResponse, reply: JsonReply): Promise<void> {
    const read = await readJsonBody(req, options.maxBodyBytes);
    if (!read.ok)
      return reply(read.status, jsonRpcError(read.status === 413 ? -32600 : -32700, read.message));
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
      const session = sessions.get(sessionId);
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
    if (sessions.size >= options.maxSessions) {
      return reply(503, jsonRpcError(-32000, 'too many open sessions; retry later'), { 'retry-after': '5' });
    }
    const zava = serverFor(runtime, identityFromRequest, 'http');
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse: options.jsonResponse,
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, zava, lastSeen: Date.now() });
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await zava.server.connect(transport);
    return transport.handleRequest(req, res, read.body);
  }

  /** GET opens the session's notification stream; DELETE ends the session. */
  async function handleSessionRequest(req: IncomingMessage, res: ServerResponse, reply: JsonReply) {
    if (options.stateless)
      return reply(405, jsonRpcError(-32000, 'method not allowed in stateless mode'), { allow: 'POST' });
    const sessionId = req.headers['mcp-session-id'];
    const session = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
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

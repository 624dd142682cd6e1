import net from 'node:net';
import { tmpdir } from 'node:os';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { assertConfigValid, loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/mcp/log.js';
import { type RunningServe, startServe } from '../../src/mcp/serve.js';

/** `mcpops serve --http` in this process on a free port, configured as the environment would. */
export async function serveHttp(
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<RunningServe> {
  const loaded = await loadConfig({
    env: { DATABASE_URL: databaseUrl, MCPOPS_HTTP_PORT: '0', MCPOPS_STATEMENT_TIMEOUT_MS: '5000', ...env },
    cwd: tmpdir(),
  });
  return startServe({ config: assertConfigValid(loaded), http: true, stateless: false, log: silentLogger });
}

/** The SDK's real client over Streamable HTTP. */
export async function sdkClient(url: string, headers: Record<string, string> = {}): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  const client = new Client({ name: 'harden-test', version: '0.0.0' });
  await client.connect(transport);
  // As a model host does: listing the tools makes the client check every result against its output schema.
  await client.listTools();
  return client;
}

const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/** A bare initialize POST; returns the status and the session id the server gave. */
export async function initialize(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; sessionId?: string; body: string }> {
  const answer = await fetch(url, {
    method: 'POST',
    headers: { ...MCP_HEADERS, ...headers },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
    }),
  });
  const body = await answer.text();
  return { status: answer.status, sessionId: answer.headers.get('mcp-session-id') ?? undefined, body };
}

/** One request on an existing session id (POST ping, GET stream or DELETE); returns the status. */
export async function onSession(
  url: string,
  method: 'POST' | 'GET' | 'DELETE',
  sessionId: string,
  headers: Record<string, string> = {},
): Promise<number> {
  const controller = new AbortController();
  const answer = await fetch(url, {
    method,
    signal: controller.signal,
    headers: {
      ...MCP_HEADERS,
      'mcp-session-id': sessionId,
      'mcp-protocol-version': '2025-03-26',
      ...headers,
    },
    ...(method === 'POST' ? { body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }) } : {}),
  });
  // A GET that succeeds is an open SSE stream: the status is all we need.
  controller.abort();
  return answer.status;
}

export interface RawExchange {
  /** Everything the server wrote before it closed the connection. */
  response: string;
  /** Milliseconds from connect to the server closing the connection. */
  closedAfterMs: number;
}

/**
 * Writes `head` at once, then each phase's text one byte every `everyMs` (a slow client), until
 * the server closes the connection or `giveUpMs` passes.
 */
export function slowClient(
  port: number,
  head: string,
  phases: Array<{ text: string; everyMs: number }>,
  giveUpMs: number,
): Promise<RawExchange> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    let response = '';
    let timer: NodeJS.Timeout | undefined;
    let finished = false;
    const done = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ response, closedAfterMs: Date.now() - started });
    };
    const giveUp = setTimeout(done, giveUpMs);
    socket.on('data', (chunk) => {
      response += chunk.toString('latin1');
    });
    socket.on('close', done).on('error', done);
    const send = (phase: number, index: number) => {
      if (finished || phase >= phases.length) return;
      const { text, everyMs } = phases[phase];
      if (index >= text.length) return send(phase + 1, 0);
      timer = setTimeout(() => {
        if (!socket.destroyed) socket.write(text[index]);
        send(phase, index + 1);
      }, everyMs);
    };
    socket.on('connect', () => {
      socket.write(head);
      send(0, 0);
    });
  });
}

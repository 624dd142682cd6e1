import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Identity } from './identity.js';
import { type ServeRuntime, serverFor } from './runtime.js';

export interface RunningStdio {
  /** Resolves when the client closes stdin (it is done with us). */
  ended: Promise<void>;
  close(deadlineMs: number): Promise<void>;
}

/**
 * The MCP server on stdin/stdout with the identity fixed at start. stdout carries protocol
 * messages only: everything for people goes to stderr through the runtime's logger.
 */
export async function startStdio(runtime: ServeRuntime, identity: Identity | null): Promise<RunningStdio> {
  const zava = serverFor(runtime, identity, 'stdio');
  const transport = new StdioServerTransport();
  const ended = new Promise<void>((resolve) => {
    process.stdin.once('end', () => resolve());
    process.stdin.once('close', () => resolve());
    // A client that went away mid-answer makes stdout fail with EPIPE: that is a hang-up, not a crash.
    process.stdout.on('error', () => resolve());
    transport.onclose = () => resolve();
  });
  await zava.server.connect(transport);
  return {
    ended,
    async close(deadlineMs) {
      await runtime.inflight.drain(deadlineMs);
      // Let the last answers reach stdout before the transport goes.
      await new Promise((resolve) => setImmediate(resolve));
      await zava.close().catch(() => {});
      process.stdin.pause();
    },
  };
}

import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

/** A memory figure of a live process from /proc/<pid>/status, in MB (VmHWM: peak resident). */
export function procMemoryMb(pid: number, field: 'VmHWM' | 'VmRSS' = 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1];
  if (!kb) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(kb) / 1024;
}

export interface SpawnedServe {
  client: Client;
  pid: number;
  stderr(): string;
  close(): Promise<void>;
}

/**
 * The built CLI's `serve` over stdio as an MCP client starts it: `command` is `node` with the
 * bin as first argument, or the bin itself (its shebang).
 */
export async function spawnStdioServe(
  command: string[],
  serveArgs: string[],
  env: Record<string, string> = {},
): Promise<SpawnedServe> {
  const transport = new StdioClientTransport({
    command: command[0],
    args: [...command.slice(1), 'serve', ...serveArgs],
    env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), CI: 'true', FORCE_COLOR: '0', ...env },
    cwd: tmpdir(),
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const client = new Client({ name: 'serve-process-test', version: '0.0.0' });
  await client.connect(transport);
  const pid = transport.pid;
  if (!pid) throw new Error('the server process has no pid');
  return { client, pid, stderr: () => stderr, close: () => client.close() };
}

import { spawn } from 'node:child_process';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { assertConfigValid, loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/mcp/log.js';
import { type RunningServe, startServe } from '../../src/mcp/serve.js';
import { CLI } from '../support/cli.js';

/** `serve --http --stateless` in this process on a free port, configured only by `env`. */
export async function serveHttp(env: Record<string, string>): Promise<RunningServe> {
  const loaded = await loadConfig({
    env: { MCPOPS_HTTP_PORT: '0', MCPOPS_STATEMENT_TIMEOUT_MS: '5000', ...env },
    cwd: tmpdir(),
  });
  return startServe({ config: assertConfigValid(loaded), http: true, stateless: true, log: silentLogger });
}

/** The MCP SDK's real client over Streamable HTTP, acting as one store. */
export async function httpClient(url: string, headers: Record<string, string>): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  const client = new Client({ name: 'scale-out-test', version: '0.0.0' });
  await client.connect(transport);
  return client;
}

/** A Prometheus counter's value for one label set (0 when absent). */
export function counter(metrics: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

export interface ServeProcess {
  url: string;
  base: string;
  stop(): Promise<void>;
}

/** A real `mcpops serve --http --stateless` process (the built CLI) on a free port. */
export function spawnServe(env: Record<string, string>): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CLI, 'serve', '--http', '--stateless'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      CI: 'true',
      MCPOPS_HTTP_PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    child.kill('SIGKILL');
  };
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`serve did not start:\n${log}`));
    }, 30_000);
    child.stderr!.on('data', (chunk) => {
      log += chunk;
      const url = log.match(/"url":"(http:\/\/[^"]+)"/)?.[1];
      if (url && timer) {
        clearTimeout(timer);
        resolve({ url, base: new URL('/', url).toString(), stop });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${log}`));
    });
  });
}

export interface RoundRobin {
  url: string;
  /** Requests each upstream received, in order. */
  served: number[];
  close(): Promise<void>;
}

/** A loopback HTTP entry point that sends each request to the next upstream in turn. */
export async function roundRobin(upstreams: string[]): Promise<RoundRobin> {
  const served = upstreams.map(() => 0);
  let next = 0;
  const server = createServer((req, res) => {
    const index = next++ % upstreams.length;
    served[index] += 1;
    const target = new URL(req.url ?? '/', upstreams[index]);
    const forward = request(
      target,
      { method: req.method, headers: { ...req.headers, host: target.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

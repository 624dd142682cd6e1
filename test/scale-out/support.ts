import { tmpdir } from 'node:os';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { assertConfigValid, loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/mcp/log.js';
import { type RunningServe, startServe } from '../../src/mcp/serve.js';

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

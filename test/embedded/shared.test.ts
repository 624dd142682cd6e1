import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Config } from '../../src/config/schema.js';
import { openEmbeddedDatabase } from '../../src/db/embedded/index.js';
import { embeddedOwner } from '../../src/db/embedded/lock.js';
import type { Database } from '../../src/db/open.js';
import { STORES } from '../../src/db/stores.js';
import { callTool, ordersPerStore } from '../serve/support.js';
import { CLI } from '../support/cli.js';
import { embeddedConfig, FIRST_START_TIMEOUT_MS, tempDir } from './support.js';

let dir: Awaited<ReturnType<typeof tempDir>>;
let config: Config;
const servers: Array<{ client: Client; transport: StdioClientTransport; stderr: () => string }> = [];
let mine: Database | undefined;

beforeAll(async () => {
  dir = await tempDir('mcpops-shared-');
  config = await embeddedConfig(dir.path);
});
afterAll(async () => {
  for (const s of servers) await s.client.close().catch(() => {});
  await mine?.close();
  await dir.remove();
});

async function startServer(store: string) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'serve', '--store', store],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: dir.path,
      CI: 'true',
      MCPOPS_EMBEDDED_DIR: dir.path,
      MCPOPS_EMBEDDED_SCALE: 'tiny',
    },
    cwd: dir.path,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const client = new Client({ name: 'shared-test', version: '0.0.0' });
  await client.connect(transport, { timeout: FIRST_START_TIMEOUT_MS });
  const server = { client, transport, stderr: () => stderr };
  servers.push(server);
  return server;
}

let call = 0;
/** A different statement each time: the server's result cache must not answer for the database. */
const countOrders = (client: Client) =>
  callTool(client, 'execute_sales_query', {
    postgresql_query: `SELECT count(*) FROM retail.orders WHERE order_id <> ${-++call}`,
  });

const [seattle, bellevue, tacoma] = STORES;

describe('several processes on one embedded folder', () => {
  test(
    'three stdio servers answer concurrently as their own stores; killing the owner mid-call, the others recover',
    async () => {
      const owner = await startServer(seattle.name);
      // The test process attaches too, as superuser, for the truth.
      mine = await openEmbeddedDatabase(config, { kind: 'embedded', dir: dir.path });
      const truth = await ordersPerStore(mine.pool as never);
      expect(new Set([seattle, bellevue, tacoma].map((s) => truth.get(s.rlsUserId))).size).toBe(3);
      const [second, third] = await Promise.all([startServer(bellevue.name), startServer(tacoma.name)]);
      expect(second.stderr()).toMatch(/attached to it/);
      expect(second.stderr()).not.toMatch(/in use by process/);

      const round = async () => {
        const calls = [owner, second, third].flatMap((s, i) =>
          Array.from({ length: 4 }, async () => {
            const answer = await countOrders(s.client);
            return { store: [seattle, bellevue, tacoma][i], answer };
          }),
        );
        for (const { store, answer } of await Promise.all(calls)) {
          expect(answer.isError, answer.text).toBe(false);
          expect(answer.json.r[0][0]).toBe(truth.get(store.rlsUserId));
        }
      };
      await round();

      // kill -9 the owner while the others have calls in flight.
      const ownerPid = owner.transport.pid!;
      const inFlight = [second, third].map((s) =>
        countOrders(s.client).then(
          (a) => a,
          (e: Error) => ({ isError: true, text: e.message }),
        ),
      );
      process.kill(ownerPid, 'SIGKILL');
      await Promise.all(inFlight);
      const until = Date.now() + 60_000;
      for (const [server, store] of [
        [second, bellevue],
        [third, tacoma],
      ] as const) {
        let answer = await countOrders(server.client);
        while (answer.isError && Date.now() < until) {
          await new Promise((r) => setTimeout(r, 500));
          answer = await countOrders(server.client);
        }
        expect(answer.isError, answer.text).toBe(false);
        expect(answer.json.r[0][0]).toBe(truth.get(store.rlsUserId));
      }
      // Another process took the folder over.
      expect(embeddedOwner(dir.path)?.pid).not.toBe(ownerPid);
      // No data lost, and the test process's own connection recovered as well.
      expect(await ordersPerStore(mine.pool as never)).toEqual(truth);
    },
    FIRST_START_TIMEOUT_MS * 2,
  );
});

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import type { Identity } from '../../src/mcp/identity.js';
import { createZavaServer, type ZavaServerOptions } from '../../src/mcp/server.js';
import type { ServeConfig } from '../../src/mcp/tools/types.js';
import { createZavaTestDatabase, type ZavaTestDatabase } from '../support/zava.js';

export const RETAIL_TABLES = [
  'stores',
  'customers',
  'categories',
  'product_types',
  'products',
  'inventory',
  'orders',
  'order_items',
  'product_description_embeddings',
];

export function serveConfig(readerRole: string, overrides: Partial<ServeConfig> = {}): ServeConfig {
  return {
    serveRole: readerRole,
    statementTimeoutMs: 3000,
    maxRows: 1000,
    maxBytes: 1_048_576,
    hnswEfSearch: 40,
    cacheTtlSeconds: 300,
    ...overrides,
  };
}

export function loginPool(url: string, max = 4): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on('error', () => {});
  return pool;
}

export interface InMemoryServer {
  client: Client;
  close(): Promise<void>;
}

/** The server and a real SDK client joined by an in-memory transport pair. */
export async function connectInMemory(
  options: Omit<ZavaServerOptions, 'identity'> & {
    identity: Identity | null | ZavaServerOptions['identity'];
  },
): Promise<InMemoryServer> {
  const zava = createZavaServer(options);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'mcpops-test', version: '0.0.0' });
  await Promise.all([zava.server.connect(serverSide), client.connect(clientSide)]);
  return {
    client,
    async close() {
      await client.close();
      await zava.close();
    },
  };
}

export interface ToolAnswer {
  isError: boolean;
  text: string;
  json: any;
  structured: any;
}

export async function callTool(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<ToolAnswer> {
  const result = (await client.callTool({ name, arguments: args })) as {
    isError?: boolean;
    content: Array<{ type: string; text?: string }>;
    structuredContent?: unknown;
  };
  const text = result.content.map((part) => part.text ?? '').join('');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { isError: result.isError === true, text, json, structured: result.structuredContent };
}

/** One md5 per retail table over every row in a stable order: any change anywhere shows. */
export async function retailChecksums(admin: pg.ClientBase): Promise<Record<string, string>> {
  const sums: Record<string, string> = {};
  for (const table of RETAIL_TABLES) {
    const exists = await admin.query('SELECT to_regclass($1) AS t', [`retail.${table}`]);
    if (!exists.rows[0].t) continue;
    const { rows } = await admin.query(
      `SELECT count(*)::text || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') AS sum FROM retail.${table} t`,
    );
    sums[table] = rows[0].sum;
  }
  return sums;
}

/** Counts as a superuser sees them, per store: the truth RLS answers must match. */
export async function ordersPerStore(admin: pg.ClientBase): Promise<Map<string, number>> {
  const { rows } = await admin.query<{ rls_user_id: string; n: string }>(
    `SELECT s.rls_user_id::text, count(o.order_id)::text AS n
     FROM retail.stores s LEFT JOIN retail.orders o ON o.store_id = s.store_id GROUP BY s.rls_user_id`,
  );
  return new Map(rows.map((row) => [row.rls_user_id, Number(row.n)]));
}

/**
 * A tiny Zava database for the whole test file and its true order count per store, handed to
 * `ready` before the tests run; dropped after them.
 */
export function useTinyZava(
  ready: (fixture: { db: ZavaTestDatabase; truth: Map<string, number> }) => void,
): void {
  let db: ZavaTestDatabase | undefined;
  beforeAll(async () => {
    db = await createZavaTestDatabase({ scale: 'tiny' });
    ready({ db, truth: await ordersPerStore(db.admin) });
  });
  afterAll(async () => {
    await db?.drop();
  });
}

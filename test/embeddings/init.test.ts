import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initDatabase } from '../../src/db/init/index.js';
import { withStoreSession } from '../../src/db/session.js';
import { createLocalProvider } from '../../src/embeddings/local.js';
import { searchProducts } from '../../src/embeddings/search.js';
import { embedSampleData } from '../../src/embeddings/sync.js';
import { stampOf } from '../../src/embeddings/types.js';
import { createZavaServer } from '../../src/mcp/server.js';
import { createZavaTestDatabase, type ZavaTestDatabase } from '../support/zava.js';

const local = createLocalProvider();
const ROLES = { readerRole: 'zava_reader', loginRole: 'zava_serve' };
const SEATTLE = 'f47ac10b-58cc-4372-a567-0e02b2c3d479';

describe('db init --sample-data fills the embeddings (PGlite with pgvector)', () => {
  let db: PGlite;
  let server: PGLiteSocketServer;
  let pool: pg.Pool;
  beforeAll(async () => {
    db = await PGlite.create({ extensions: { vector } });
    server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections: 8 });
    await server.start();
    pool = new pg.Pool({
      connectionString: `postgres://postgres@${server.getServerConn()}/postgres`,
      max: 2,
    });
    pool.on('error', () => {});
  });
  afterAll(async () => {
    await pool?.end();
    await server?.stop();
    await db?.close();
  });

  it('embeds the sample through the afterSampleData hook; the reader role can search it', async () => {
    let hookReport: Awaited<ReturnType<typeof embedSampleData>> = null;
    const report = await initDatabase(pool, {
      ...ROLES,
      sampleData: true,
      scale: 'tiny',
      afterSampleData: async (p) => {
        hookReport = await embedSampleData(p, local);
      },
    });
    expect(report.vectorAvailable).toBe(true);
    expect(hookReport).toMatchObject({ embedded: 450, remaining: 0 });
    expect(report.rowCounts.product_description_embeddings).toBe(450);

    const [query] = await local.embed(['cordless drill']);
    const result = await withStoreSession(
      pool,
      { role: ROLES.readerRole, rlsUserId: SEATTLE, statementTimeoutMs: 5000, hnswEfSearch: 40 },
      (client) => searchProducts(client, query, stampOf(local), { maxRows: 3 }),
    );
    const names = result.rows.map((row) => row[result.columns.indexOf('product_name')]);
    expect(names).toHaveLength(3);
    for (const name of names) expect(name).toMatch(/Cordless Drill/);
  });
});

describe('on PostgreSQL 15 without pgvector', () => {
  let zava: ZavaTestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    zava = await createZavaTestDatabase({ sampleData: false });
    pool = new pg.Pool({ connectionString: zava.loginUrl, max: 2 });
    pool.on('error', () => {});
  });
  afterAll(async () => {
    await pool?.end();
    await zava?.drop();
  });

  it('the sample-data hook does nothing (db init notes the missing extension itself)', async () => {
    const admin = new pg.Pool({ connectionString: zava.url, max: 2 });
    try {
      expect(await embedSampleData(admin, local)).toBeNull();
    } finally {
      await admin.end();
    }
  });

  it('semantic_search_products reports the missing extension and the fix', async () => {
    const zavaServer = createZavaServer({
      db: { pool, where: 'test' },
      config: {
        serveRole: zava.readerRole,
        statementTimeoutMs: 5000,
        maxRows: 1000,
        maxBytes: 1_048_576,
        hnswEfSearch: 40,
        cacheTtlSeconds: 0,
      },
      identity: { rlsUserId: SEATTLE, label: 'Zava Retail Seattle', headOffice: false },
      embeddings: local,
    });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: 'test', version: '1.0.0' });
    await zavaServer.server.connect(serverSide);
    await client.connect(clientSide);
    try {
      const result = await client.callTool({
        name: 'semantic_search_products',
        arguments: { query_description: 'garden hose' },
      });
      expect(result.isError).toBe(true);
      expect(result.structuredContent).toMatchObject({
        n: 0,
        err: expect.stringMatching(
          /^the database has no vector extension \(pgvector\), which semantic search needs\. /,
        ),
      });
    } finally {
      await client.close();
    }
  });
});

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type pg from 'pg';
import pgvector from 'pgvector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withStoreSession } from '../../src/db/session.js';
import { loadSql } from '../../src/db/sql-files.js';
import { HEAD_OFFICE_ID } from '../../src/db/stores.js';
import { createLocalProvider } from '../../src/embeddings/local.js';
import { type SearchOptions, searchProducts } from '../../src/embeddings/search.js';
import { syncEmbeddings } from '../../src/embeddings/sync.js';
import { stampOf } from '../../src/embeddings/types.js';
import { createZavaServer } from '../../src/mcp/server.js';
import { productCategories, READER, startVectorDatabase, type VectorDatabase } from './fixture.js';

let vdb: VectorDatabase;
let categories: Map<number, string>;
const local = createLocalProvider();
const SEATTLE = 'f47ac10b-58cc-4372-a567-0e02b2c3d479';

/** Runs a search the way the tool does: the caller's read-only store session as the reader role. */
async function search(query: string, options: SearchOptions = {}, rlsUserId = SEATTLE) {
  const [vector] = await local.embed([query]);
  return withStoreSession(
    vdb.pool,
    { role: READER, rlsUserId, statementTimeoutMs: 5000, hnswEfSearch: 100 },
    (client) => searchProducts(client, vector, stampOf(local), options),
  );
}

const column = (result: { columns: string[]; rows: unknown[][] }, name: string) =>
  result.rows.map((row) => row[result.columns.indexOf(name)]);

beforeAll(async () => {
  vdb = await startVectorDatabase();
  categories = await productCategories(vdb.db);
  await syncEmbeddings(vdb.pool, local, { batchSize: 150 });
  await vdb.db.exec(
    'CREATE INDEX idx_product_embeddings_hnsw ON retail.product_description_embeddings USING hnsw (description_embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)',
  );
});
afterAll(async () => {
  await vdb?.close();
});

describe('semantic product search over the sample catalogue (local provider)', () => {
  // A query in the catalogue's words and the category its best matches belong to.
  const cases: Array<[string, string]> = [
    ['plumbing pipe fittings', 'PLUMBING'],
    ['kitchen faucet', 'PLUMBING'],
    ['water shut-off valve', 'PLUMBING'],
    ['cordless drill', 'POWER TOOLS'],
    ['circular saw', 'POWER TOOLS'],
    ['exterior house paint', 'PAINT'],
    ['garden hose', 'GARDEN'],
    ['lawn mower', 'GARDEN'],
    ['LED light bulbs', 'LIGHTING'],
    ['circuit breaker', 'ELECTRICAL'],
    ['construction lumber', 'LUMBER'],
    ['metal storage cabinet', 'STORAGE'],
    ['claw hammer', 'HAND TOOLS'],
    ['deck screws', 'HARDWARE'],
  ];
  it.each(cases)('"%s" ranks %s products first', async (query, category) => {
    const result = await search(query);
    const found = column(result, 'product_id').map((id) => categories.get(id as number));
    expect(found.length).toBeGreaterThanOrEqual(3);
    expect(found.slice(0, 3)).toEqual([category, category, category]);
  });

  it('returns product columns plus similarity_distance and sp, nearest first, within the threshold', async () => {
    const result = await search('cordless drill', { similarityThreshold: 30 });
    expect(result.columns).toEqual([
      'product_id',
      'sku',
      'product_name',
      'category_id',
      'type_id',
      'cost',
      'base_price',
      'gross_margin_percent',
      'product_description',
      'similarity_distance',
      'sp',
    ]);
    const distances = column(result, 'similarity_distance') as number[];
    expect(distances).toEqual([...distances].sort((a, b) => a - b));
    expect(Math.max(...distances)).toBeLessThanOrEqual(0.7);
    // A number like similarity_distance, rounded to one decimal.
    const sp = column(result, 'sp') as number[];
    sp.forEach((value, i) => {
      expect(typeof value).toBe('number');
      expect(Number.isInteger(Math.round(value * 10 * 1e6) / 1e6)).toBe(true);
      expect(value).toBeCloseTo((1 - distances[i]) * 100, 0);
      expect(value).toBeGreaterThanOrEqual(30);
    });
  });

  it('a stricter threshold keeps a prefix of the broader result', async () => {
    const broad = column(
      await search('garden hose', { similarityThreshold: 20, maxRows: 100 }),
      'product_id',
    );
    const strict = column(
      await search('garden hose', { similarityThreshold: 40, maxRows: 100 }),
      'product_id',
    );
    expect(strict.length).toBeGreaterThan(0);
    expect(strict.length).toBeLessThan(broad.length);
    expect(broad.slice(0, strict.length)).toEqual(strict);
  });

  it('caps max_rows into 1..100 (default 20)', async () => {
    expect((await search('steel tool for home and garden', { similarityThreshold: 20 })).rows).toHaveLength(
      20,
    );
    expect(
      (await search('steel tool for home and garden', { similarityThreshold: 20, maxRows: 500 })).rows,
    ).toHaveLength(100);
    expect(
      (await search('steel tool for home and garden', { similarityThreshold: 20, maxRows: 0 })).rows,
    ).toHaveLength(1);
    expect(
      (await search('steel tool for home and garden', { similarityThreshold: 20, maxRows: 7 })).rows,
    ).toHaveLength(7);
  });

  it.each([19.9, 80.1, Number.NaN])('refuses similarity_threshold %s (percent, 20–80)', async (threshold) => {
    await expect(search('hammer', { similarityThreshold: threshold })).rejects.toMatchObject({
      code: 'similarity_threshold_range',
      exitCode: 64,
      message: expect.stringContaining('between 20 and 80'),
    });
  });

  it('text with no words matches nothing rather than everything', async () => {
    expect((await search('the and of', { similarityThreshold: 20 })).rows).toHaveLength(0);
  });

  it('refuses a query vector from another model and says to run embeddings sync', async () => {
    const [vector] = await local.embed(['hammer']);
    const other = { provider: 'azure-openai' as const, model: 'text-embedding-3-small', dimensions: 1536 };
    const error = await withStoreSession(
      vdb.pool,
      { role: READER, rlsUserId: SEATTLE, statementTimeoutMs: 5000 },
      (client) => searchProducts(client, vector, other),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'embedding_model_mismatch', exitCode: 78 });
    expect((error as Error).message).toContain('local/mcpops-local-hash-v1');
    expect((error as Error).message).toContain('azure-openai/text-embedding-3-small');
    expect((error as { suggestion: string }).suggestion).toContain('mcpops embeddings sync');
  });

  it('says to run embeddings sync when nothing was embedded yet', async () => {
    const client = await vdb.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query("DELETE FROM mcpops.meta WHERE key = 'embeddings'");
      const [vector] = await local.embed(['hammer']);
      await expect(searchProducts(client, vector, stampOf(local))).rejects.toMatchObject({
        code: 'embeddings_missing',
        suggestion: expect.stringContaining('mcpops embeddings sync'),
      });
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  // 450 rows are cheaper to sort than to walk a graph, so the planner rightly picks a seq scan
  // here; with seq scans priced out, the plan shows the query's shape lets the HNSW index answer
  // it (bench/vector shows the planner choosing it by itself at 100,000 rows).
  it('can be answered by the HNSW and full-text indexes inside the store session', async () => {
    const [vector] = await local.embed(['cordless drill']);
    const plan = await withStoreSession(
      vdb.pool,
      { role: READER, rlsUserId: SEATTLE, statementTimeoutMs: 5000, hnswEfSearch: 40 },
      async (client: pg.PoolClient) => {
        await client.query('SET LOCAL enable_seqscan = off');
        const { rows } = await client.query(`EXPLAIN ${loadSql('embeddings/search')}`, [
          pgvector.toSql(vector),
          20,
          0.7,
          'cordless drill',
          40,
          1,
          1,
          60,
        ]);
        return rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n');
      },
    );
    expect(plan).toMatch(/Index Scan using idx_product_embeddings_hnsw/);
    expect(plan).toMatch(/products_fulltext_idx/);
    expect(plan).not.toMatch(/Seq Scan on product_description_embeddings/);
  });

  it('gives every store identity the same products (the catalogue is not store-scoped)', async () => {
    const seattle = column(await search('garden hose'), 'product_id');
    const headOffice = column(await search('garden hose', {}, HEAD_OFFICE_ID), 'product_id');
    expect(headOffice).toEqual(seattle);
  });
});

describe('the semantic_search_products MCP tool', () => {
  async function connect(embeddings: typeof local | null = local, identity: string | null = SEATTLE) {
    const zava = createZavaServer({
      db: { pool: vdb.pool, where: 'pglite' },
      config: {
        serveRole: READER,
        statementTimeoutMs: 5000,
        maxRows: 1000,
        maxBytes: 1_048_576,
        hnswEfSearch: 40,
        cacheTtlSeconds: 0,
      },
      identity: identity ? { rlsUserId: identity, label: 'Zava Retail Seattle', headOffice: false } : null,
      embeddings: embeddings ?? undefined,
    });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: 'test', version: '1.0.0' });
    await zava.server.connect(serverSide);
    await client.connect(clientSide);
    return { client, close: () => client.close() };
  }

  it('answers with compact rows and structuredContent, nearest first', async () => {
    const { client, close } = await connect();
    try {
      const result = await client.callTool({
        name: 'semantic_search_products',
        arguments: { query_description: 'exterior house paint', max_rows: 5 },
      });
      expect(result.isError).toBeFalsy();
      const compact = JSON.parse((result.content as Array<{ text: string }>)[0].text);
      expect(compact.n).toBe(compact.r.length);
      expect(compact.n).toBeGreaterThan(0);
      expect(compact.n).toBeLessThanOrEqual(5);
      expect(compact.c.slice(-2)).toEqual(['similarity_distance', 'sp']);
      const names = compact.r.map((row: unknown[]) => row[compact.c.indexOf('product_name')]);
      expect(names[0]).toMatch(/Exterior House Paint/);
      expect(result.structuredContent).toEqual(compact);
    } finally {
      await close();
    }
  });

  it('says so when nothing is similar enough, and refuses a bad threshold', async () => {
    const { client, close } = await connect();
    try {
      const none = await client.callTool({
        name: 'semantic_search_products',
        arguments: { query_description: 'zzzqqq xxyyzz', similarity_threshold: 80 },
      });
      expect(none.isError).toBeFalsy();
      expect(none.structuredContent).toMatchObject({
        n: 0,
        msg: expect.stringContaining('similarity_threshold'),
      });
      const bad = await client.callTool({
        name: 'semantic_search_products',
        arguments: { query_description: 'hammer', similarity_threshold: 95 },
      });
      expect(bad.isError).toBe(true);
      expect(bad.structuredContent).toMatchObject({ err: expect.stringContaining('between 20 and 80') });
    } finally {
      await close();
    }
  });

  it('refuses without an identity and without a provider', async () => {
    const anonymous = await connect(local, null);
    try {
      const result = await anonymous.client.callTool({
        name: 'semantic_search_products',
        arguments: { query_description: 'hammer' },
      });
      expect(result.isError).toBe(true);
    } finally {
      await anonymous.close();
    }
    const unconfigured = await connect(null);
    try {
      const result = await unconfigured.client.callTool({
        name: 'semantic_search_products',
        arguments: { query_description: 'hammer' },
      });
      expect(result.isError).toBe(true);
      expect(result.structuredContent).toMatchObject({ err: expect.stringContaining('not configured') });
    } finally {
      await unconfigured.close();
    }
  });

  it('reports a model mismatch to the model with the fix', async () => {
    const other = { ...local, model: 'mcpops-local-hash-v0' };
    const { client, close } = await connect(other);
    try {
      const result = await client.callTool({
        name: 'semantic_search_products',
        arguments: { query_description: 'hammer' },
      });
      expect(result.isError).toBe(true);
      expect(result.structuredContent).toMatchObject({
        err: expect.stringContaining('mcpops embeddings sync'),
      });
    } finally {
      await close();
    }
  });
});

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalProvider, LOCAL_MODEL } from '../../src/embeddings/local.js';
import { checkVectorSupport } from '../../src/embeddings/store.js';
import { syncEmbeddings } from '../../src/embeddings/sync.js';
import type { EmbeddingProvider } from '../../src/embeddings/types.js';
import { ConfigError } from '../../src/errors.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startVectorDatabase, type VectorDatabase } from './fixture.js';

let vdb: VectorDatabase;
const local = createLocalProvider();

async function count(sql: string): Promise<number> {
  const { rows } = await vdb.db.query<{ n: number }>(sql);
  return Number(rows[0].n);
}
const stored = () => count('SELECT count(*) AS n FROM retail.product_description_embeddings');

beforeAll(async () => {
  vdb = await startVectorDatabase();
});
afterAll(async () => {
  await vdb?.close();
});

describe('embeddings sync on PGlite with pgvector', () => {
  it('dry run counts the work, estimates tokens and cost, and writes nothing', async () => {
    const report = await syncEmbeddings(vdb.pool, local, { dryRun: true });
    expect(report).toMatchObject({ dryRun: true, products: 450, pending: 450, embedded: 0, previous: null });
    expect(report.estimatedTokens).toBeGreaterThan(450 * 20);
    expect(report.estimatedAzureCostUsd).toBeCloseTo((report.estimatedTokens / 1e6) * 0.02, 10);
    expect(await stored()).toBe(0);
    const { rows } = await vdb.db.query<{ t: string | null }>(
      "SELECT to_regclass('mcpops.embedding_state') AS t",
    );
    expect(rows[0].t).toBeNull();
  });

  it('embeds every product from empty, records the model, then has nothing left to do', async () => {
    const seen: number[] = [];
    const report = await syncEmbeddings(vdb.pool, local, {
      batchSize: 64,
      concurrency: 3,
      onProgress: (p) => seen.push(p.done),
    });
    expect(report).toMatchObject({ ok: true, pending: 450, embedded: 450, remaining: 0, batches: 8 });
    expect(seen.at(-1)).toBe(450);
    expect(await stored()).toBe(450);
    expect(await count('SELECT count(*) AS n FROM mcpops.embedding_state')).toBe(450);
    const { rows } = await vdb.db.query<{ value: unknown }>(
      "SELECT value FROM mcpops.meta WHERE key = 'embeddings'",
    );
    expect(rows[0].value).toEqual({ provider: 'local', model: LOCAL_MODEL, dimensions: 1536 });
    const { rows: dims } = await vdb.db.query<{ d: number }>(
      'SELECT DISTINCT vector_dims(description_embedding) AS d FROM retail.product_description_embeddings',
    );
    expect(dims).toEqual([{ d: 1536 }]);

    const again = await syncEmbeddings(vdb.pool, local);
    expect(again).toMatchObject({ pending: 0, embedded: 0, modelChanged: false });
  });

  it('re-embeds only the products whose description changed', async () => {
    await vdb.db.query('UPDATE mcpops.embedding_state SET updated_at = $1', ['2020-01-01T00:00:00Z']);
    await vdb.db.query(
      "UPDATE retail.products SET product_description = product_description || ' Now with a lifetime warranty.' WHERE product_id IN (3, 77, 400)",
    );
    const report = await syncEmbeddings(vdb.pool, local);
    expect(report).toMatchObject({ pending: 3, embedded: 3 });
    const { rows } = await vdb.db.query<{ product_id: number }>(
      "SELECT product_id FROM mcpops.embedding_state WHERE updated_at > '2020-01-02' ORDER BY product_id",
    );
    expect(rows.map((r) => r.product_id)).toEqual([3, 77, 400]);
  });

  it('resumes after an interruption: the second run embeds only what the first did not commit', async () => {
    await vdb.db.exec(
      'DELETE FROM retail.product_description_embeddings; DELETE FROM mcpops.embedding_state;',
    );
    const controller = new AbortController();
    const first = await syncEmbeddings(vdb.pool, local, {
      batchSize: 50,
      concurrency: 1,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done >= 150) controller.abort();
      },
    });
    expect(first).toMatchObject({ interrupted: true, ok: false, embedded: 150, remaining: 300 });
    expect(await stored()).toBe(150);

    const second = await syncEmbeddings(vdb.pool, local, { batchSize: 50, concurrency: 4 });
    expect(second).toMatchObject({ interrupted: false, pending: 300, embedded: 300, remaining: 0 });
    expect(await stored()).toBe(450);
  });

  it('a failing provider on a model switch leaves the old vectors and stamp in place', async () => {
    const broken: EmbeddingProvider = {
      name: 'azure-openai',
      model: 'text-embedding-3-small',
      dimensions: 1536,
      embed: async () => {
        throw new ConfigError('refused', { code: 'embeddings_auth' });
      },
    };
    await expect(syncEmbeddings(vdb.pool, broken, { concurrency: 4 })).rejects.toMatchObject({
      code: 'embeddings_auth',
    });
    expect(await stored()).toBe(450);
    const client = await vdb.pool.connect();
    try {
      expect((await checkVectorSupport(client)).stamp).toMatchObject({ model: LOCAL_MODEL });
    } finally {
      client.release();
    }
  });

  it('switching model re-embeds everything and never mixes the two models', async () => {
    const other: EmbeddingProvider = { ...local, model: 'mcpops-local-hash-v0' };
    const report = await syncEmbeddings(vdb.pool, other, { batchSize: 100, concurrency: 2 });
    expect(report).toMatchObject({ modelChanged: true, pending: 450, embedded: 450 });
    expect(report.previous).toMatchObject({ model: LOCAL_MODEL });
    expect(await count("SELECT count(*) AS n FROM mcpops.embedding_state WHERE model LIKE '%hash-v0%'")).toBe(
      450,
    );
    const back = await syncEmbeddings(vdb.pool, local);
    expect(back).toMatchObject({ modelChanged: true, embedded: 450 });
  });

  it('says which table is missing when pgvector exists but the schema does not', async () => {
    const client = await vdb.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('DROP TABLE retail.product_description_embeddings CASCADE');
      await expect(checkVectorSupport(client)).rejects.toMatchObject({
        code: 'embeddings_table_missing',
        exitCode: 78,
        suggestion: expect.stringContaining('mcpops db init'),
      });
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});

describe('embeddings sync on PostgreSQL 15 without pgvector', () => {
  let testDb: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    testDb = await createTestDatabase('mcpops_emb');
    pool = new pg.Pool({ connectionString: testDb.url, max: 2 });
  });
  afterAll(async () => {
    await pool?.end();
    await testDb?.drop();
  });

  it('refuses with the missing extension named and the fix (exit 78)', async () => {
    const error = await syncEmbeddings(pool, local).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'vector_extension_missing', exitCode: 78 });
    expect((error as Error).message).toBe(
      'the database has no vector extension (pgvector), which semantic search needs',
    );
    expect((error as ConfigError).suggestion).toMatch(/Install pgvector|CREATE EXTENSION vector/);
  });
});

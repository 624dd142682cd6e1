import { createServer } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyIndexPlan } from '../../src/ops/indexes/apply.js';
import { planIndexes } from '../../src/ops/indexes/plan.js';

let db: PGlite;
let server: PGLiteSocketServer;
let pool: pg.Pool;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

const applyOptions = {
  embedded: true,
  lockTimeoutMs: 1000,
  statementTimeoutMs: 60_000,
  maintenanceWorkMem: '64MB',
  lockRetries: 1,
};

beforeAll(async () => {
  db = new PGlite({ extensions: { vector } });
  await db.exec(`
    CREATE EXTENSION vector;
    CREATE SCHEMA retail;
    CREATE TABLE retail.product_description_embeddings (
      product_id int PRIMARY KEY, description_embedding vector(1536), created_at timestamp DEFAULT now());
    INSERT INTO retail.product_description_embeddings (product_id, description_embedding)
      SELECT g, (SELECT array_agg(((g * 7 + i) % 13)::float4 / 13) FROM generate_series(1, 1536) i)::vector
        FROM generate_series(1, 60) g;
  `);
  const port = await freePort();
  server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections: 4 });
  await server.start();
  pool = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`, max: 1 });
  pool.on('error', () => {});
}, 60_000);

afterAll(async () => {
  await pool?.end();
  await server?.stop();
  await db?.close();
});

describe('vector index on the embedded database (PGlite + pgvector)', () => {
  it('plans, builds the HNSW index with plain CREATE INDEX, and a rerun has nothing to do', async () => {
    const plan = await planIndexes(pool, { sets: ['vector'], vectorMethod: 'hnsw' });
    expect(plan.errors).toBe(0);
    expect(plan.items).toHaveLength(1);
    expect(plan.items[0]).toMatchObject({
      name: 'product_description_embeddings_hnsw_idx',
      state: 'missing',
      action: 'create',
      method: 'hnsw',
    });
    const result = await applyIndexPlan(pool, plan, applyOptions);
    expect(result).toMatchObject({ failed: 0, concurrently: false });
    expect(result.note).toMatch(/plain CREATE INDEX/);
    const { rows } = await pool.query(
      "SELECT pg_get_indexdef('retail.product_description_embeddings_hnsw_idx'::regclass) AS d",
    );
    expect(rows[0].d).toMatch(
      /USING hnsw \(description_embedding vector_cosine_ops\) WITH \(m='16', ef_construction='64'\)/,
    );
    const again = await planIndexes(pool, { sets: ['vector'], vectorMethod: 'hnsw' });
    expect(again.items[0].state).toBe('present');
    expect(again.changes).toBe(0);
  });

  it('derives IVFFlat lists from the row count', async () => {
    const plan = await planIndexes(pool, { sets: ['vector'], vectorMethod: 'ivfflat' });
    expect(plan.ivfflatLists).toBe(10);
    expect(plan.items[0]).toMatchObject({
      name: 'product_description_embeddings_ivfflat_idx',
      state: 'missing',
    });
    expect(plan.items[0].definition).toMatch(/WITH \(lists = 10\)/);
    const result = await applyIndexPlan(pool, plan, applyOptions);
    expect(result.failed).toBe(0);
  });

  it('rejects an operator class the access method does not have', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'mcpops-vec-')), 'bad.sql');
    writeFileSync(
      file,
      'CREATE INDEX emb_bad_idx ON retail.product_description_embeddings USING hnsw (description_embedding vector_cosine_opz);',
    );
    const plan = await planIndexes(pool, { files: [file], vectorMethod: 'hnsw' });
    expect(plan.items[0].errors).toEqual(['operator class vector_cosine_opz does not exist for hnsw']);
  });
});

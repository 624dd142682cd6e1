import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.js';
import { loadSql } from '../../src/db/sql-files.js';
import { USE_LITE_MODEL } from '../../src/embeddings/use-lite.js';
import { collectHealth } from '../../src/ops/health/collect.js';
import { freePort } from '../support/azurite.js';
import { allChecks, healthConfig, runOne } from './support.js';

// pgvector is only available in PGlite here: the vector checks run against it over its socket server.
let db: PGlite;
let server: PGLiteSocketServer;
let config: Config;

async function stamp(provider: string, model: string): Promise<void> {
  await db.query(loadSql('embeddings/stamp'), [JSON.stringify({ provider, model, dimensions: 1536 })]);
}

beforeAll(async () => {
  db = new PGlite({ extensions: { vector } });
  await db.exec(`
    CREATE EXTENSION vector;
    CREATE SCHEMA retail;
    CREATE TABLE retail.products (product_id int PRIMARY KEY, product_name text);
    CREATE TABLE retail.product_description_embeddings (product_id int PRIMARY KEY, description_embedding vector(1536));
    INSERT INTO retail.products SELECT g, 'p' || g FROM generate_series(1, 10) g;
    INSERT INTO retail.product_description_embeddings
      SELECT g, array_fill(0.01::real, ARRAY[1536])::vector FROM generate_series(1, 10) g;
  `);
  await db.exec(loadSql('embeddings/state'));
  const port = await freePort();
  server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections: 8 });
  await server.start();
  config = await healthConfig({ DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/postgres` });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await db?.close();
});

describe('vector checks on PGlite + pgvector', () => {
  it('ai.vector reports the pgvector version', async () => {
    const check = await runOne(config, 'ai.vector');
    expect(check.status).toBe('OK');
    expect(check.message).toMatch(/^pgvector [\d.]+ installed$/);
  });

  it('ai.embedding_model: skipped before a sync, WARNING on a model mismatch, OK when it matches', async () => {
    await expect(runOne(config, 'ai.embedding_model')).rejects.toThrow(
      /skipped \(no embeddings recorded yet/,
    );
    await stamp('azure-openai', 'text-embedding-3-small');
    const mismatch = await runOne(config, 'ai.embedding_model');
    expect(mismatch.status).toBe('WARNING');
    expect(mismatch.message).toBe(
      `stored vectors were made by azure-openai/text-embedding-3-small (1536 dimensions) but use-lite/${USE_LITE_MODEL} (1536 dimensions) is configured: semantic search refuses to compare them`,
    );
    expect(mismatch.remedy).toContain('mcpops embeddings sync');
    await stamp('use-lite', USE_LITE_MODEL);
    expect((await runOne(config, 'ai.embedding_model')).status).toBe('OK');
  });

  it('ai.embeddings counts products without a vector', async () => {
    expect(await runOne(config, 'ai.embeddings')).toMatchObject({ status: 'OK', value: 0 });
    await db.query(
      'UPDATE retail.product_description_embeddings SET description_embedding = NULL WHERE product_id = 1',
    );
    expect(await runOne(config, 'ai.embeddings')).toMatchObject({ status: 'WARNING', value: 1 });
  });

  it('a full report on the embedded engine finishes with every check answered', async () => {
    const report = await collectHealth({ config, skip: ['system', 'application'] });
    const failed = allChecks(report).filter((c) => c.status === 'UNKNOWN');
    expect(failed.map((c) => `${c.id}: ${c.message}`)).toEqual([]);
    expect(allChecks(report).find((c) => c.id === 'db.reachable')?.status).toBe('OK');
  });
});

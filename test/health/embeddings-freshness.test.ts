import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { healthConfig, runOne } from './support.js';

// The freshness query needs only the two tables, not the vector type, so a plain array column
// stands in for vector(1536) on this server (which has no pgvector).
let db: TestDatabase;
let config: Config;

beforeAll(async () => {
  db = await createTestDatabase();
  await db.admin.query(`
    CREATE SCHEMA retail;
    CREATE TABLE retail.products (product_id int PRIMARY KEY, product_name text);
    CREATE TABLE retail.product_description_embeddings (product_id int PRIMARY KEY, description_embedding real[]);
    INSERT INTO retail.products SELECT g, 'p' || g FROM generate_series(1, 200) g;
    INSERT INTO retail.product_description_embeddings SELECT g, ARRAY[0.1, 0.2] FROM generate_series(1, 200) g;
  `);
  config = await healthConfig({ DATABASE_URL: db.url });
});

afterAll(async () => {
  await db?.drop();
});

describe('ai.embeddings (products without a description embedding)', () => {
  it('OK when every product has one, WARNING from 1 %, CRITICAL from 50 %', async () => {
    expect(await runOne(config, 'ai.embeddings')).toMatchObject({ status: 'OK', value: 0 });
    await db.admin.query('DELETE FROM retail.product_description_embeddings WHERE product_id <= 4');
    const warning = await runOne(config, 'ai.embeddings');
    expect(warning).toMatchObject({
      status: 'WARNING',
      value: 4,
      message: '4 of 200 products have no description embedding (2.0 %)',
    });
    expect(warning.remedy).toContain('mcpops embeddings sync');
    await db.admin.query(
      'UPDATE retail.product_description_embeddings SET description_embedding = NULL WHERE product_id <= 120',
    );
    expect(await runOne(config, 'ai.embeddings')).toMatchObject({ status: 'CRITICAL', value: 120 });
  });
});

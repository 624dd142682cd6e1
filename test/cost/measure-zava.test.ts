import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureWorkload } from '../../src/ops/cost/measure.js';
import { runCostEstimate } from '../../src/ops/cost/run.js';
import { createZavaTestDatabase, type ZavaTestDatabase } from '../support/zava.js';

let db: ZavaTestDatabase;
let pool: pg.Pool;
beforeAll(async () => {
  db = await createZavaTestDatabase({ scale: 'tiny' });
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  pool.on('error', () => {});
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe('cost-estimate --measure on the Zava sample database', () => {
  it('measures products and description tokens from retail.products', async () => {
    const expected = await db.admin.query(
      'SELECT count(*)::int AS n, avg(length(product_description))::float8 AS chars FROM retail.products',
    );
    const m = await measureWorkload({ pool, sampleMs: 0 });
    expect(m.values['embeddings.productCount']).toBe(expected.rows[0].n);
    expect(m.values['embeddings.avgDescriptionTokens']).toBe(Math.ceil(expected.rows[0].chars / 4));
    expect(m.tables.some((t) => t.schema === 'retail' && t.table === 'orders')).toBe(true);
    const report = await runCostEstimate({ measurement: m });
    expect(report.estimate.pricesAsOf).toBe('2026-11-24');
    expect(report.estimate.total).toBeGreaterThan(0);
  });
});

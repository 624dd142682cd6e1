import { describe, expect, test } from 'vitest';
import { sampleChecksum } from '../../src/db/sample-data/copy-text.js';
import { generateSampleData, SCALE_CUSTOMERS, type TableData } from '../../src/db/sample-data/generate.js';
import { STORES } from '../../src/db/stores.js';
import { createLocalProvider } from '../../src/embeddings/local.js';

const small = generateSampleData('small');
const table = (name: string): TableData => small.tables.find((t) => t.table === name) as TableData;
const col = (t: TableData, name: string) => t.columns.indexOf(name);
const cents = (v: unknown) => Math.round(Number(v) * 100);

describe('sample data generator', () => {
  test('same seed, same data; another seed, other data', () => {
    const a = generateSampleData('tiny');
    const b = generateSampleData('tiny');
    expect(sampleChecksum(a)).toBe(sampleChecksum(b));
    expect(sampleChecksum(generateSampleData('tiny', 7))).not.toBe(sampleChecksum(a));
    expect(sampleChecksum(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  test('scales by customer count', () => {
    expect(SCALE_CUSTOMERS).toEqual({ tiny: 200, small: 2_000, medium: 10_000, full: 50_000 });
    expect(table('customers').rows).toHaveLength(2_000);
  });

  test('8 reference stores and a DIY catalogue of 10 categories, ≥ 400 products with varied descriptions', () => {
    expect(table('stores').rows.map((r) => r[2])).toEqual(STORES.map((s) => s.rlsUserId));
    const categories = table('categories').rows.map((r) => r[1]);
    expect(categories).toEqual([
      'PLUMBING',
      'ELECTRICAL',
      'POWER TOOLS',
      'HAND TOOLS',
      'PAINT',
      'GARDEN',
      'LUMBER',
      'HARDWARE',
      'LIGHTING',
      'STORAGE',
    ]);
    const types = table('product_types').rows;
    for (let c = 1; c <= 10; c++) expect(types.filter((t) => t[1] === c).length).toBeGreaterThanOrEqual(3);
    const products = table('products');
    expect(products.rows.length).toBeGreaterThanOrEqual(400);
    const descriptions = products.rows.map((r) => String(r[col(products, 'product_description')]));
    expect(new Set(descriptions).size).toBe(descriptions.length);
    expect(new Set(products.rows.map((r) => r[col(products, 'sku')])).size).toBe(products.rows.length);
    // Plumbing descriptions speak plumbing (semantic search ranks on this vocabulary).
    const plumbing = products.rows.filter((r) => r[col(products, 'category_id')] === 1);
    for (const p of plumbing) {
      expect(String(p[col(products, 'product_description')])).toMatch(
        /plumb|water|pipe|drain|leak|faucet|toilet|sink/i,
      );
    }
    for (const p of products.rows) {
      // base_price = round(cost / 0.67, 2)
      expect(cents(p[col(products, 'base_price')])).toBe(Math.round(cents(p[col(products, 'cost')]) / 0.67));
    }
  });

  test('customers spread over the stores by the reference weights', () => {
    const customers = table('customers');
    const total = STORES.reduce((s, x) => s + x.customerWeight, 0);
    STORES.forEach((store, i) => {
      const share =
        customers.rows.filter((r) => r[col(customers, 'primary_store_id')] === i + 1).length /
        customers.rows.length;
      expect(Math.abs(share - store.customerWeight / total)).toBeLessThan(0.03);
    });
    expect(new Set(customers.rows.map((r) => r[col(customers, 'email')])).size).toBe(customers.rows.length);
  });

  test('orders per customer follow max(1, int(k × multiplier)) with k weighted 20/40/20/10/7/3', () => {
    const customers = table('customers');
    const perCustomer = new Map<number, number>();
    for (const o of table('orders').rows)
      perCustomer.set(o[1] as number, (perCustomer.get(o[1] as number) ?? 0) + 1);
    const expectedMean = (mult: number) =>
      [20, 40, 20, 10, 7, 3].reduce((s, w, k) => s + (w / 100) * Math.max(1, Math.trunc(k * mult)), 0);
    for (const [i, store] of [
      [0, STORES[0]],
      [6, STORES[6]],
    ] as const) {
      const ids = customers.rows.filter((r) => r[5] === i + 1).map((r) => r[0] as number);
      const mean = ids.reduce((s, id) => s + (perCustomer.get(id) ?? 0), 0) / ids.length;
      expect(
        Math.abs(mean - expectedMean(store.orderMultiplier)) / expectedMean(store.orderMultiplier),
      ).toBeLessThan(0.15);
    }
    expect(Math.min(...customers.rows.map((r) => perCustomer.get(r[0] as number) ?? 0))).toBe(1);
  });

  test('order years 2020–2026 grow by the reference weights', () => {
    const years = new Map<number, number>();
    for (const o of table('orders').rows) {
      const y = Number(String(o[3]).slice(0, 4));
      years.set(y, (years.get(y) ?? 0) + 1);
    }
    expect([...years.keys()].sort()).toEqual([2020, 2021, 2022, 2023, 2024, 2025, 2026]);
    expect(years.get(2026)! / years.get(2020)!).toBeGreaterThan(1.25);
  });

  test('order lines: 1–5 per order, quantity 1–5, price ±20 %, 15 % discounted, totals add up', () => {
    const items = table('order_items');
    const products = table('products');
    const basePrice = new Map(products.rows.map((r) => [r[0], cents(r[col(products, 'base_price')])]));
    const perOrder = new Map<number, number>();
    let discounted = 0;
    const bad: unknown[] = []; // one expect at the end: thousands of expect() calls are slow
    for (const r of items.rows) {
      const [, orderId, , productId, quantity, unit, pct, discount, total] = r as [
        number,
        number,
        number,
        number,
        number,
        string,
        number,
        string,
        string,
      ];
      perOrder.set(orderId, (perOrder.get(orderId) ?? 0) + 1);
      const base = basePrice.get(productId) as number;
      const ok =
        quantity >= 1 &&
        quantity <= 5 &&
        cents(unit) >= Math.floor(base * 0.8) &&
        cents(unit) <= Math.ceil(base * 1.2) &&
        [0, 5, 10, 15, 20, 25].includes(pct) &&
        cents(discount) === Math.round((cents(unit) * quantity * pct) / 100) &&
        cents(total) === cents(unit) * quantity - cents(discount);
      if (!ok) bad.push(r);
      if (pct > 0) discounted++;
    }
    expect(bad).toEqual([]);
    expect(Math.abs(discounted / items.rows.length - 0.15)).toBeLessThan(0.02);
    const counts = [...perOrder.values()];
    const share1 = counts.filter((n) => n === 1).length / counts.length;
    expect(Math.abs(share1 - 0.4)).toBeLessThan(0.04);
    expect(Math.max(...counts)).toBe(5);
    // Every order line's store is its order's store (denormalised for RLS).
    const orderStore = new Map(table('orders').rows.map((o) => [o[0], o[2]]));
    expect(items.rows.every((r) => orderStore.get(r[1]) === r[2])).toBe(true);
  });

  test('inventory covers every store × product', () => {
    expect(table('inventory').rows).toHaveLength(8 * table('products').rows.length);
  });

  test('descriptions carry their trade: the local embedding ranks the right category first', async () => {
    const products = table('products');
    const categories = table('categories').rows.map((r) => r[1]);
    const provider = createLocalProvider();
    const vectors = await provider.embed(
      products.rows.map((r) => String(r[col(products, 'product_description')])),
    );
    const cases: Array<[string, string]> = [
      ['leaking pipe under the kitchen sink', 'PLUMBING'],
      ['cordless drill for screws', 'POWER TOOLS'],
      ['paint for the bedroom walls', 'PAINT'],
      ['wire for a new outlet circuit', 'ELECTRICAL'],
      ['outdoor lights for the driveway', 'LIGHTING'],
    ];
    for (const [query, category] of cases) {
      const [q] = await provider.embed([query]);
      const top = vectors
        .map((v, i) => ({ i, score: v.reduce((sum, x, j) => sum + x * q[j], 0) }))
        .sort((a, b) => b.score - a.score)
        .slice(0, 5)
        .map(({ i }) => categories[(products.rows[i][col(products, 'category_id')] as number) - 1]);
      expect({ query, top }).toEqual({ query, top: Array(5).fill(category) });
    }
  });
});

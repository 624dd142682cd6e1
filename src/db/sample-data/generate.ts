import { EXPECTED_COLUMNS } from '../init/schema.js';
import { STORES } from '../stores.js';
import { CATALOGUE } from './catalogue.js';
import { AREA_CODES, FIRST_NAMES, LAST_NAMES } from './people.js';
import { createRandom, type Random } from './prng.js';

export type SampleScale = 'tiny' | 'small' | 'medium' | 'full';

export const SCALE_CUSTOMERS: Record<SampleScale, number> = {
  tiny: 200,
  small: 2_000,
  medium: 10_000,
  full: 50_000,
};

export const DEFAULT_SEED = 20_260_101;

export type Cell = string | number | boolean | null;

export interface TableData {
  /** Table name inside the retail schema. */
  table: string;
  columns: string[];
  /** PostgreSQL type of each column (for the INSERT … SELECT FROM unnest fallback). */
  types: string[];
  rows: Cell[][];
}

export interface SampleData {
  scale: SampleScale;
  seed: number;
  /** In load order (parents before children). */
  tables: TableData[];
}

// Reference distributions (zava-retail.md).
const ORDER_K_WEIGHTS = [20, 40, 20, 10, 7, 3];
const ITEM_COUNT_WEIGHTS = [40, 30, 15, 10, 5];
const DISCOUNTS = [5, 10, 15, 20, 25];
const YEARS = [2020, 2021, 2022, 2023, 2024, 2025, 2026];
const YEAR_WEIGHTS = [1.0, 1.1, 1.21, 1.15, 1.265, 1.392, 1.531];
const VARIANT_COST = [1, 1.3, 1.7];
// Share of a customer's orders placed at another store than their primary one.
const AWAY_ORDER_SHARE = 0.12;

/** Integer cents as a numeric literal ("12.05"). */
export function money(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function isoDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

function isoTimestamp(ms: number): string {
  const d = new Date(ms);
  return `${isoDate(ms)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

interface Product {
  id: number;
  basePriceCents: number;
}

function catalogueTables(random: Random): { tables: TableData[]; products: Product[] } {
  const categories: Cell[][] = [];
  const types: Cell[][] = [];
  const productRows: Cell[][] = [];
  const products: Product[] = [];
  CATALOGUE.forEach((category, ci) => {
    const categoryId = ci + 1;
    categories.push([categoryId, category.name]);
    category.types.forEach((type, ti) => {
      const typeId = types.length + 1;
      types.push([typeId, categoryId, type.name]);
      type.items.forEach(([item, baseCost, use], ii) => {
        type.variants.forEach((variant, vi) => {
          const id = productRows.length + 1;
          const costCents = Math.max(
            50,
            Math.round(baseCost * VARIANT_COST[vi] * random.uniform(0.9, 1.1) * 100),
          );
          const basePriceCents = Math.round(costCents / 0.67);
          const margin = Math.round(((basePriceCents - costCents) / basePriceCents) * 10_000);
          const first = random.int(0, type.features.length - 1);
          const second = (first + random.int(1, type.features.length - 1)) % type.features.length;
          const description = `${variant} ${item} ${use}. ${type.features[first]} ${type.features[second]} ${random.pick(category.context)}`;
          productRows.push([
            id,
            `${category.code}-${ti + 1}${ii + 1}${vi + 1}-${pad(id, 4)}`,
            `${variant} ${item}`,
            categoryId,
            typeId,
            money(costCents),
            money(basePriceCents),
            money(margin),
            description,
          ]);
          products.push({ id, basePriceCents });
        });
      });
    });
  });
  return {
    products,
    tables: [
      {
        table: 'categories',
        columns: EXPECTED_COLUMNS.categories,
        types: ['int4', 'text'],
        rows: categories,
      },
      {
        table: 'product_types',
        columns: EXPECTED_COLUMNS.product_types,
        types: ['int4', 'int4', 'text'],
        rows: types,
      },
      {
        table: 'products',
        columns: EXPECTED_COLUMNS.products,
        types: ['int4', 'text', 'text', 'int4', 'int4', 'numeric', 'numeric', 'numeric', 'text'],
        rows: productRows,
      },
    ],
  };
}

/**
 * Generates the Zava sample for a scale. Deterministic: the same scale and seed give the same
 * rows, in the same order, on every run.
 */
export function generateSampleData(scale: SampleScale, seed = DEFAULT_SEED): SampleData {
  const random = createRandom(seed);
  const stores: Cell[][] = STORES.map((s, i) => [i + 1, s.name, s.rlsUserId, s.isOnline]);
  const catalogue = catalogueTables(random);
  const { products } = catalogue;

  const inventory: Cell[][] = [];
  STORES.forEach((store, si) => {
    for (const p of products) inventory.push([si + 1, p.id, random.int(0, store.isOnline ? 500 : 150)]);
  });

  const customerWeights = STORES.map((s) => s.customerWeight);
  const customers: Cell[][] = [];
  const orders: Cell[][] = [];
  const items: Cell[][] = [];
  const createdFrom = Date.UTC(2019, 0, 1);
  const createdSpan = Date.UTC(2025, 0, 1) - createdFrom;
  const count = SCALE_CUSTOMERS[scale];
  for (let c = 1; c <= count; c++) {
    const storeIndex = random.weighted(customerWeights);
    const first = random.pick(FIRST_NAMES);
    const last = random.pick(LAST_NAMES);
    customers.push([
      c,
      first,
      last,
      `${first}.${last}.${c}@example.com`.toLowerCase(),
      `(${random.pick(AREA_CODES[storeIndex])}) 555-${pad(random.int(0, 9999), 4)}`,
      storeIndex + 1,
      isoTimestamp(createdFrom + Math.floor((random.next() * createdSpan) / 1000) * 1000),
    ]);
    const k = random.weighted(ORDER_K_WEIGHTS);
    const orderCount = Math.max(1, Math.trunc(k * STORES[storeIndex].orderMultiplier));
    for (let o = 0; o < orderCount; o++) {
      const orderId = orders.length + 1;
      const orderStore =
        random.next() < AWAY_ORDER_SHARE ? random.weighted(customerWeights) + 1 : storeIndex + 1;
      const year = YEARS[random.weighted(YEAR_WEIGHTS)];
      const dayCount = (Date.UTC(year + 1, 0, 1) - Date.UTC(year, 0, 1)) / 86_400_000;
      orders.push([orderId, c, orderStore, isoDate(Date.UTC(year, 0, 1 + random.int(0, dayCount - 1)))]);
      const lineCount = random.weighted(ITEM_COUNT_WEIGHTS) + 1;
      const chosen = new Set<number>();
      while (chosen.size < lineCount) chosen.add(random.int(0, products.length - 1));
      for (const index of chosen) {
        const product = products[index];
        const quantity = random.int(1, 5);
        const unitCents = Math.round(product.basePriceCents * random.uniform(0.8, 1.2));
        const discountPercent = random.next() < 0.15 ? random.pick(DISCOUNTS) : 0;
        const discountCents = Math.round((unitCents * quantity * discountPercent) / 100);
        items.push([
          items.length + 1,
          orderId,
          orderStore,
          product.id,
          quantity,
          money(unitCents),
          discountPercent,
          money(discountCents),
          money(unitCents * quantity - discountCents),
        ]);
      }
    }
  }

  return {
    scale,
    seed,
    tables: [
      {
        table: 'stores',
        columns: EXPECTED_COLUMNS.stores,
        types: ['int4', 'text', 'uuid', 'bool'],
        rows: stores,
      },
      ...catalogue.tables,
      {
        table: 'inventory',
        columns: EXPECTED_COLUMNS.inventory,
        types: ['int4', 'int4', 'int4'],
        rows: inventory,
      },
      {
        table: 'customers',
        columns: EXPECTED_COLUMNS.customers,
        types: ['int4', 'text', 'text', 'text', 'text', 'int4', 'timestamp'],
        rows: customers,
      },
      {
        table: 'orders',
        columns: EXPECTED_COLUMNS.orders,
        types: ['int4', 'int4', 'int4', 'date'],
        rows: orders,
      },
      {
        table: 'order_items',
        columns: EXPECTED_COLUMNS.order_items,
        types: ['int4', 'int4', 'int4', 'int4', 'int4', 'numeric', 'int4', 'numeric', 'numeric'],
        rows: items,
      },
    ],
  };
}

/** Total rows across every table of a sample. */
export function sampleRowCount(data: SampleData): number {
  return data.tables.reduce((sum, t) => sum + t.rows.length, 0);
}

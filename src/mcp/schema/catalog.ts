import type pg from 'pg';
import { loadSql } from '../../db/sql-files.js';

/** The tables get_multiple_table_schemas describes (the Zava contract), in a sensible reading order. */
export const SCHEMA_TABLES = [
  'retail.stores',
  'retail.customers',
  'retail.categories',
  'retail.product_types',
  'retail.products',
  'retail.inventory',
  'retail.orders',
  'retail.order_items',
] as const;
export type SchemaTable = (typeof SCHEMA_TABLES)[number];

export interface CatalogColumn {
  table_name: string;
  column_name: string;
  data_type: string;
  not_null: boolean;
  default_expr: string | null;
  primary_key: boolean;
}

export interface CatalogForeignKey {
  from_table: string;
  to_table: string;
  from_columns: string[];
  to_columns: string[];
}

/** The live catalog of the Zava tables plus the valid values the caller may see. */
export interface Catalog {
  columns: CatalogColumn[];
  foreignKeys: CatalogForeignKey[];
  stores: Array<{ name: string; online: boolean }>;
  categories: string[];
  types: Array<{ category: string; type: string }>;
  orderYears: number[];
}

/**
 * Maps what a caller typed to a contract table: `retail.orders`, `orders`, `"Retail"."Orders"`
 * all mean retail.orders. Returns undefined for anything else.
 */
export function canonicalTable(name: string): SchemaTable | undefined {
  const cleaned = name.trim().replaceAll('"', '').toLowerCase();
  const qualified = cleaned.includes('.') ? cleaned : `retail.${cleaned}`;
  return SCHEMA_TABLES.find((table) => table === qualified);
}

/** Reads the catalog in one statement, with a client inside the caller's store session. */
export async function readCatalog(client: pg.ClientBase): Promise<Catalog> {
  const names = SCHEMA_TABLES.map((table) => table.slice('retail.'.length));
  const result = await client.query<{ catalog: Catalog }>({
    text: loadSql('serve/table-catalog'),
    values: [names],
  });
  return result.rows[0].catalog;
}

import type pg from 'pg';

/** The Zava retail tables (columns as in the reference), without data, RLS or indexes beyond keys. */
export const RETAIL_TABLES = `
CREATE SCHEMA IF NOT EXISTS retail;
CREATE TABLE retail.stores (store_id serial PRIMARY KEY, store_name text UNIQUE, rls_user_id uuid, is_online boolean);
CREATE TABLE retail.customers (customer_id serial PRIMARY KEY, first_name text, last_name text, email text UNIQUE,
  phone text, primary_store_id int, created_at timestamp DEFAULT now());
CREATE TABLE retail.categories (category_id serial PRIMARY KEY, category_name text UNIQUE);
CREATE TABLE retail.product_types (type_id serial PRIMARY KEY, category_id int, type_name text);
CREATE TABLE retail.products (product_id serial PRIMARY KEY, sku text UNIQUE, product_name text, category_id int,
  type_id int, cost numeric(10,2), base_price numeric(10,2), gross_margin_percent numeric(5,2) DEFAULT 33.00,
  product_description text);
CREATE TABLE retail.inventory (store_id int, product_id int, stock_level int, PRIMARY KEY (store_id, product_id));
CREATE TABLE retail.orders (order_id serial PRIMARY KEY, customer_id int, store_id int, order_date date);
CREATE TABLE retail.order_items (order_item_id serial PRIMARY KEY, order_id int, store_id int, product_id int,
  quantity int, unit_price numeric(10,2), discount_percent int, discount_amount numeric(10,2), total_amount numeric(10,2));
`;

export async function createRetailTables(client: pg.ClientBase): Promise<void> {
  await client.query(RETAIL_TABLES);
}

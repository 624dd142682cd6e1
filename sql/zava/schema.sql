-- The Zava retail schema (names and types are a compatibility contract, see docs/db-init.md).
-- Every statement is idempotent: db init runs this file on every run.
CREATE SCHEMA IF NOT EXISTS mcpops;

CREATE TABLE IF NOT EXISTS mcpops.meta (
  key text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at timestamptz DEFAULT now()
);

CREATE SCHEMA IF NOT EXISTS retail;

CREATE TABLE IF NOT EXISTS retail.stores (
  store_id serial PRIMARY KEY,
  store_name text NOT NULL UNIQUE,
  rls_user_id uuid NOT NULL UNIQUE,
  is_online boolean NOT NULL DEFAULT false
);

CREATE TABLE IF NOT EXISTS retail.customers (
  customer_id serial PRIMARY KEY,
  first_name text NOT NULL,
  last_name text NOT NULL,
  email text NOT NULL UNIQUE,
  phone text,
  primary_store_id integer REFERENCES retail.stores (store_id),
  created_at timestamp DEFAULT now()
);

CREATE TABLE IF NOT EXISTS retail.categories (
  category_id serial PRIMARY KEY,
  category_name text NOT NULL UNIQUE
);

CREATE TABLE IF NOT EXISTS retail.product_types (
  type_id serial PRIMARY KEY,
  category_id integer NOT NULL REFERENCES retail.categories (category_id),
  type_name text NOT NULL
);

CREATE TABLE IF NOT EXISTS retail.products (
  product_id serial PRIMARY KEY,
  sku text NOT NULL UNIQUE,
  product_name text NOT NULL,
  category_id integer NOT NULL REFERENCES retail.categories (category_id),
  type_id integer NOT NULL REFERENCES retail.product_types (type_id),
  cost numeric(10, 2) NOT NULL,
  base_price numeric(10, 2) NOT NULL,
  gross_margin_percent numeric(5, 2) DEFAULT 33.00,
  product_description text
);

CREATE TABLE IF NOT EXISTS retail.inventory (
  store_id integer NOT NULL REFERENCES retail.stores (store_id),
  product_id integer NOT NULL REFERENCES retail.products (product_id),
  stock_level integer NOT NULL DEFAULT 0,
  PRIMARY KEY (store_id, product_id)
);

CREATE TABLE IF NOT EXISTS retail.orders (
  order_id serial PRIMARY KEY,
  customer_id integer NOT NULL REFERENCES retail.customers (customer_id),
  store_id integer NOT NULL REFERENCES retail.stores (store_id),
  order_date date NOT NULL
);

CREATE TABLE IF NOT EXISTS retail.order_items (
  order_item_id serial PRIMARY KEY,
  order_id integer NOT NULL REFERENCES retail.orders (order_id),
  store_id integer NOT NULL REFERENCES retail.stores (store_id),
  product_id integer NOT NULL REFERENCES retail.products (product_id),
  quantity integer NOT NULL,
  unit_price numeric(10, 2) NOT NULL,
  discount_percent integer NOT NULL DEFAULT 0,
  discount_amount numeric(10, 2) NOT NULL DEFAULT 0,
  total_amount numeric(10, 2) NOT NULL
);

-- Foreign-key indexes; the store_id ones also serve the RLS filter (store_id = ANY(...)).
CREATE INDEX IF NOT EXISTS idx_customers_primary_store ON retail.customers (primary_store_id);
CREATE INDEX IF NOT EXISTS idx_product_types_category ON retail.product_types (category_id);
CREATE INDEX IF NOT EXISTS idx_products_category ON retail.products (category_id);
CREATE INDEX IF NOT EXISTS idx_products_type ON retail.products (type_id);
CREATE INDEX IF NOT EXISTS idx_inventory_product ON retail.inventory (product_id);
CREATE INDEX IF NOT EXISTS idx_orders_store_date ON retail.orders (store_id, order_date);
-- (customer_id, store_id) answers the customers policy's "ordered at this store" probe from the index alone.
CREATE INDEX IF NOT EXISTS idx_orders_customer_store ON retail.orders (customer_id, store_id);
CREATE INDEX IF NOT EXISTS idx_order_items_order ON retail.order_items (order_id);
CREATE INDEX IF NOT EXISTS idx_order_items_store ON retail.order_items (store_id);
CREATE INDEX IF NOT EXISTS idx_order_items_product ON retail.order_items (product_id);

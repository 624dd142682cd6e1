-- Zava retail B-tree set. One named CREATE INDEX per statement; `mcpops index apply` plans
-- each against the catalog and builds what is missing with CREATE INDEX CONCURRENTLY.
-- Corrected from the source material: customers has primary_store_id (not store_id), orders
-- has no total_amount, products has base_price (not unit_price).

-- Customers of a store (RLS policy and "customers of store X" questions), and email lookups.
CREATE INDEX customers_primary_store_email_idx ON retail.customers (primary_store_id, email);

-- Orders of a store over a date range: the most common analyst filter.
CREATE INDEX orders_store_date_idx ON retail.orders (store_id, order_date);

-- Sales by period across stores (head office).
CREATE INDEX orders_order_date_idx ON retail.orders (order_date);

-- Order history of one customer; the customers RLS policy's "ordered at this store" test.
CREATE INDEX orders_customer_idx ON retail.orders (customer_id);

-- Joining order lines to their order.
CREATE INDEX order_items_order_idx ON retail.order_items (order_id);

-- Sales of a product (top products, category revenue).
CREATE INDEX order_items_product_idx ON retail.order_items (product_id);

-- Lines of a store (RLS on the denormalised store_id) by product.
CREATE INDEX order_items_store_product_idx ON retail.order_items (store_id, product_id);

-- Stock of a product across stores (the primary key leads with store_id).
CREATE INDEX inventory_product_idx ON retail.inventory (product_id);

-- Products of a category in a price band.
CREATE INDEX products_category_price_idx ON retail.products (category_id, base_price);

-- Products of a type.
CREATE INDEX products_type_idx ON retail.products (type_id);

-- Types of a category.
CREATE INDEX product_types_category_idx ON retail.product_types (category_id);

-- Every RLS policy maps the session's user id to its store through this column.
CREATE INDEX stores_rls_user_idx ON retail.stores (rls_user_id);

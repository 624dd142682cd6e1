-- After loading explicit ids, point every serial at max(id) + 1.
SELECT setval(pg_get_serial_sequence('retail.stores', 'store_id'), COALESCE((SELECT max(store_id) FROM retail.stores), 0) + 1, false);
SELECT setval(pg_get_serial_sequence('retail.categories', 'category_id'), COALESCE((SELECT max(category_id) FROM retail.categories), 0) + 1, false);
SELECT setval(pg_get_serial_sequence('retail.product_types', 'type_id'), COALESCE((SELECT max(type_id) FROM retail.product_types), 0) + 1, false);
SELECT setval(pg_get_serial_sequence('retail.products', 'product_id'), COALESCE((SELECT max(product_id) FROM retail.products), 0) + 1, false);
SELECT setval(pg_get_serial_sequence('retail.customers', 'customer_id'), COALESCE((SELECT max(customer_id) FROM retail.customers), 0) + 1, false);
SELECT setval(pg_get_serial_sequence('retail.orders', 'order_id'), COALESCE((SELECT max(order_id) FROM retail.orders), 0) + 1, false);
SELECT setval(pg_get_serial_sequence('retail.order_items', 'order_item_id'), COALESCE((SELECT max(order_item_id) FROM retail.order_items), 0) + 1, false);

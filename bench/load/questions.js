// The "repeated-question mix": ten questions an analyst (or a model on an analyst's behalf) asks
// again and again of the Zava sales data. Every one aggregates in SQL and carries a LIMIT, as the
// execute_sales_query description asks; together they touch orders, order_items, products,
// categories, stores, customers and inventory, so row-level security is exercised on every
// store-scoped table. Each load client cycles through the list from its own starting point.
export const QUESTIONS = [
  {
    name: 'revenue by store',
    sql: `SELECT s.store_name, count(DISTINCT o.order_id) AS orders, sum(oi.total_amount) AS revenue
FROM retail.orders o
JOIN retail.order_items oi ON oi.order_id = o.order_id
JOIN retail.stores s ON s.store_id = o.store_id
GROUP BY s.store_name
ORDER BY revenue DESC
LIMIT 20`,
  },
  {
    name: 'monthly revenue 2025',
    sql: `SELECT date_trunc('month', o.order_date)::date AS month, sum(oi.total_amount) AS revenue
FROM retail.orders o
JOIN retail.order_items oi ON oi.order_id = o.order_id
WHERE o.order_date >= DATE '2025-01-01' AND o.order_date < DATE '2026-01-01'
GROUP BY 1
ORDER BY 1
LIMIT 12`,
  },
  {
    name: 'revenue by category',
    sql: `SELECT c.category_name, sum(oi.quantity) AS units, sum(oi.total_amount) AS revenue
FROM retail.order_items oi
JOIN retail.products p ON p.product_id = oi.product_id
JOIN retail.categories c ON c.category_id = p.category_id
GROUP BY c.category_name
ORDER BY revenue DESC
LIMIT 20`,
  },
  {
    name: 'top 10 products by revenue',
    sql: `SELECT p.sku, p.product_name, sum(oi.total_amount) AS revenue
FROM retail.order_items oi
JOIN retail.products p ON p.product_id = oi.product_id
GROUP BY p.sku, p.product_name
ORDER BY revenue DESC
LIMIT 10`,
  },
  {
    name: 'top products by units, 2026 Q1',
    sql: `SELECT p.product_name, sum(oi.quantity) AS units
FROM retail.order_items oi
JOIN retail.orders o ON o.order_id = oi.order_id
JOIN retail.products p ON p.product_id = oi.product_id
WHERE o.order_date >= DATE '2026-01-01' AND o.order_date < DATE '2026-04-01'
GROUP BY p.product_name
ORDER BY units DESC
LIMIT 10`,
  },
  {
    name: 'low inventory',
    sql: `SELECT s.store_name, p.product_name, i.stock_level
FROM retail.inventory i
JOIN retail.products p ON p.product_id = i.product_id
JOIN retail.stores s ON s.store_id = i.store_id
WHERE i.stock_level < 10
ORDER BY i.stock_level, s.store_name, p.product_name
LIMIT 25`,
  },
  {
    name: 'average order value by year',
    sql: `SELECT EXTRACT(YEAR FROM o.order_date)::int AS year, count(DISTINCT o.order_id) AS orders,
  round(sum(oi.total_amount) / count(DISTINCT o.order_id), 2) AS avg_order_value
FROM retail.orders o
JOIN retail.order_items oi ON oi.order_id = o.order_id
GROUP BY 1
ORDER BY 1
LIMIT 10`,
  },
  {
    name: 'discounts by category',
    sql: `SELECT c.category_name, round(avg(oi.discount_percent), 1) AS avg_discount_pct,
  sum(oi.discount_amount) AS discount_given
FROM retail.order_items oi
JOIN retail.products p ON p.product_id = oi.product_id
JOIN retail.categories c ON c.category_id = p.category_id
WHERE oi.discount_percent > 0
GROUP BY c.category_name
ORDER BY discount_given DESC
LIMIT 20`,
  },
  {
    name: 'gross margin by category',
    sql: `SELECT c.category_name, sum(oi.total_amount) AS revenue,
  sum(oi.total_amount - oi.quantity * p.cost) AS gross_margin
FROM retail.order_items oi
JOIN retail.products p ON p.product_id = oi.product_id
JOIN retail.categories c ON c.category_id = p.category_id
GROUP BY c.category_name
ORDER BY gross_margin DESC
LIMIT 20`,
  },
  {
    name: 'top customers by spend',
    sql: `SELECT cu.customer_id, cu.first_name, cu.last_name, count(DISTINCT o.order_id) AS orders,
  sum(oi.total_amount) AS spend
FROM retail.customers cu
JOIN retail.orders o ON o.customer_id = cu.customer_id
JOIN retail.order_items oi ON oi.order_id = o.order_id
GROUP BY cu.customer_id, cu.first_name, cu.last_name
ORDER BY spend DESC
LIMIT 10`,
  },
];

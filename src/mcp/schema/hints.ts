import type { SchemaTable } from './catalog.js';

/**
 * What each table is for and the mistakes models make with it. Written for this schema: the
 * columns themselves come from the live catalog, these notes only explain them.
 */
export const TABLE_NOTES: Record<SchemaTable, { purpose: string; hints: string[] }> = {
  'retail.stores': {
    purpose: 'One row per Zava store: seven physical stores in Washington State and one online store.',
    hints: [
      'The online store is the row with is_online = true; filter physical stores with NOT is_online.',
      'Join to sales through orders.store_id = stores.store_id (or order_items.store_id).',
      "Store names are full names such as 'Zava Retail Seattle'; match them exactly or with ILIKE '%seattle%'.",
    ],
  },
  'retail.customers': {
    purpose: 'One row per customer, with the store they mostly shop at (primary_store_id).',
    hints: [
      'A customer can order at stores other than their primary store: for "customers of a store" by sales, go through orders.store_id.',
      "Full name: first_name || ' ' || last_name. created_at is a timestamp (without time zone).",
      'Count customers who ordered with COUNT(DISTINCT orders.customer_id).',
    ],
  },
  'retail.categories': {
    purpose: 'Product categories of the DIY hardware catalogue.',
    hints: [
      "category_name is upper case (e.g. 'POWER TOOLS'); compare with = on the exact value or use ILIKE.",
      'Products join here through products.category_id; product types through product_types.category_id.',
    ],
  },
  'retail.product_types': {
    purpose: 'Product types within a category (each type belongs to exactly one category).',
    hints: [
      "Join products.type_id = product_types.type_id; the type's category is product_types.category_id.",
      'The same type_name can appear under different categories: filter on category too when it matters.',
    ],
  },
  'retail.products': {
    purpose: 'The catalogue: one row per product (SKU), with cost, list price and margin.',
    hints: [
      'Money columns are numeric(10,2): cost (what Zava pays) and base_price (list price). Sold prices are in order_items.unit_price.',
      'gross_margin_percent is a percentage (33.00 means 33 %), not a fraction.',
      'For free-text product questions ("something for fixing a leak") use semantic_search_products first, then query by product_id.',
    ],
  },
  'retail.inventory': {
    purpose: 'Current stock: one row per store and product (primary key store_id, product_id).',
    hints: [
      'stock_level is units on hand now; there is no inventory history.',
      'Low stock: WHERE stock_level < 10, joined to products for names and to stores for the store.',
    ],
  },
  'retail.orders': {
    purpose: 'Order headers: who ordered (customer_id), where (store_id) and when (order_date).',
    hints: [
      'There is NO total column on orders: revenue is SUM(order_items.total_amount) joined on order_items.order_id = orders.order_id.',
      "order_date is a date (no time): filter with order_date >= DATE '2024-01-01' AND order_date < DATE '2025-01-01', group with date_trunc('month', order_date) or EXTRACT(YEAR FROM order_date).",
      'Online sales are orders whose store has is_online = true (JOIN retail.stores s ON s.store_id = orders.store_id).',
    ],
  },
  'retail.order_items': {
    purpose: 'Order lines: one product in one order, with quantity, price paid, discount and line total.',
    hints: [
      'total_amount is the line revenue after discount (unit_price × quantity − discount_amount); sum it for revenue. All money columns are numeric(10,2).',
      'discount_percent is an integer percentage (0, 5, 10, 15, 20, 25); discount_amount is money.',
      'store_id is copied from the order, so store-level revenue needs no join to orders; dates do: JOIN retail.orders o ON o.order_id = order_items.order_id.',
      'Profit per line: total_amount − quantity × products.cost (JOIN retail.products p ON p.product_id = order_items.product_id).',
    ],
  },
};

/** Said once, above the tables, however many were asked for. */
export const GENERAL_HINTS = [
  'Always qualify tables with the schema: retail.orders, not orders.',
  'Results are limited to the rows your store may see; head office sees every store.',
  'Aggregate in SQL (SUM, COUNT, GROUP BY) rather than listing many rows: results are capped in rows and bytes.',
];

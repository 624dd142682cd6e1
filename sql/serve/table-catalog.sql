-- Everything get_multiple_table_schemas shows, in one round trip, read inside the caller's
-- store session: so the valid values (order years above all) are the ones RLS lets them see.
-- $1: the table names (without schema) to describe.
WITH tables AS (
  SELECT c.oid, c.relname
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = 'retail' AND c.relkind IN ('r', 'p', 'v') AND c.relname = ANY ($1::text[])
),
columns AS (
  SELECT t.relname AS table_name, a.attnum, a.attname AS column_name,
         pg_catalog.format_type(a.atttypid, a.atttypmod) AS data_type,
         a.attnotnull AS not_null,
         pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS default_expr,
         EXISTS (
           SELECT 1 FROM pg_catalog.pg_constraint p
           WHERE p.conrelid = t.oid AND p.contype = 'p' AND a.attnum = ANY (p.conkey)
         ) AS primary_key
  FROM tables t
  JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = t.oid AND d.adnum = a.attnum
),
foreign_keys AS (
  SELECT src.relname AS from_table, dst.relname AS to_table,
         ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
               JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num
               ORDER BY k.ord) AS from_columns,
         ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
               JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num
               ORDER BY k.ord) AS to_columns
  FROM pg_catalog.pg_constraint con
  JOIN pg_catalog.pg_class src ON src.oid = con.conrelid
  JOIN pg_catalog.pg_class dst ON dst.oid = con.confrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = src.relnamespace
  WHERE con.contype = 'f' AND n.nspname = 'retail'
    AND (src.relname = ANY ($1::text[]) OR dst.relname = ANY ($1::text[]))
)
SELECT json_build_object(
  'columns', (SELECT coalesce(json_agg(c ORDER BY c.table_name, c.attnum), '[]') FROM columns c),
  'foreignKeys', (SELECT coalesce(json_agg(f ORDER BY f.from_table, f.to_table), '[]') FROM foreign_keys f),
  'stores', (SELECT coalesce(json_agg(json_build_object('name', s.store_name, 'online', s.is_online)
                                      ORDER BY s.store_name), '[]')
             FROM retail.stores s),
  'categories', (SELECT coalesce(json_agg(c.category_name ORDER BY c.category_name), '[]')
                 FROM retail.categories c),
  'types', (SELECT coalesce(json_agg(json_build_object('category', c.category_name, 'type', t.type_name)
                                     ORDER BY c.category_name, t.type_name), '[]')
            FROM retail.product_types t JOIN retail.categories c ON c.category_id = t.category_id),
  'orderYears', (SELECT coalesce(json_agg(y.year ORDER BY y.year), '[]')
                 FROM (SELECT DISTINCT extract(year FROM o.order_date)::int AS year FROM retail.orders o) y)
) AS catalog

-- The largest tables (with their indexes and TOAST) for cost-estimate --measure.
SELECT n.nspname AS schema_name,
       c.relname AS table_name,
       pg_total_relation_size(c.oid)::bigint AS bytes,
       greatest(c.reltuples, 0)::bigint AS estimated_rows
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\_toast%'
ORDER BY bytes DESC, schema_name, table_name
LIMIT 20

-- Valid indexes with the same definition (name aside) on the same table: all but one are waste.
SELECT n.nspname || '.' || t.relname AS table_name,
       array_agg(c.relname::text ORDER BY c.relname) AS indexes,
       sum(pg_relation_size(c.oid))::int8 AS bytes
  FROM pg_index i
  JOIN pg_class c ON c.oid = i.indexrelid
  JOIN pg_class t ON t.oid = i.indrelid
  JOIN pg_namespace n ON n.oid = t.relnamespace
 WHERE i.indisvalid
   AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
 GROUP BY n.nspname, t.relname,
          regexp_replace(pg_get_indexdef(i.indexrelid), '^CREATE (UNIQUE )?INDEX \S+ ON ', 'CREATE \1INDEX ON ')
HAVING count(*) > 1
 ORDER BY 1

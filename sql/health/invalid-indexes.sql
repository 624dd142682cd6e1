-- INVALID indexes (failed concurrent builds), except those a build is working on right now.
SELECT n.nspname || '.' || c.relname AS index_name,
       t.relname AS table_name,
       pg_relation_size(c.oid)::int8 AS bytes
  FROM pg_index i
  JOIN pg_class c ON c.oid = i.indexrelid
  JOIN pg_class t ON t.oid = i.indrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE NOT i.indisvalid
   AND NOT EXISTS (SELECT 1 FROM pg_stat_progress_create_index p
                    WHERE p.index_relid = i.indexrelid OR p.relid = i.indrelid)
 ORDER BY 1

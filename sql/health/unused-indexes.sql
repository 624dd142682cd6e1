-- Non-unique indexes never scanned since statistics were reset, at least $1 bytes large (PgHero's rule).
SELECT s.schemaname || '.' || s.indexrelname AS index_name,
       s.relname AS table_name,
       pg_relation_size(s.indexrelid)::int8 AS bytes
  FROM pg_stat_user_indexes s
  JOIN pg_index i ON i.indexrelid = s.indexrelid
 WHERE s.idx_scan = 0
   AND NOT i.indisunique
   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = s.indexrelid)
   AND pg_relation_size(s.indexrelid) >= $1::int8
 ORDER BY bytes DESC

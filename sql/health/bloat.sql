-- Dead tuples per table: a cheap bloat estimate (autovacuum not keeping up).
SELECT schemaname || '.' || relname AS table_name,
       n_live_tup::int8 AS live,
       n_dead_tup::int8 AS dead,
       last_autovacuum
  FROM pg_stat_user_tables
 WHERE n_dead_tup >= $1::int8
 ORDER BY n_dead_tup::float8 / greatest(n_live_tup + n_dead_tup, 1) DESC
 LIMIT 20

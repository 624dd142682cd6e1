-- Statements whose mean execution time is over $1 ms (pg_stat_statements), slowest first.
SELECT queryid::text AS query_id,
       calls::int8,
       mean_exec_time::float8 AS mean_ms,
       left(regexp_replace(query, '\s+', ' ', 'g'), 80) AS query
  FROM pg_stat_statements
 WHERE mean_exec_time > $1::float8
 ORDER BY mean_exec_time DESC
 LIMIT 5

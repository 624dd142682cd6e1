-- Statements of this database running for more than $1 seconds (other than this one and background workers).
SELECT count(*)::int AS queries,
       coalesce(max(extract(epoch FROM now() - query_start)), 0)::float8 AS max_seconds,
       (array_agg(pid ORDER BY query_start))[1] AS oldest_pid
  FROM pg_stat_activity
 WHERE state = 'active'
   AND backend_type = 'client backend'
   AND pid <> pg_backend_pid()
   AND datname = current_database()
   AND now() - query_start > make_interval(secs => $1::float8)

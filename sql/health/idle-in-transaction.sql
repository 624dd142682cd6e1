-- Sessions of this database idle inside an open transaction: they hold locks and stop vacuum from cleaning up.
SELECT count(*)::int AS sessions,
       coalesce(max(extract(epoch FROM now() - state_change)), 0)::float8 AS max_age_seconds,
       (array_agg(pid ORDER BY state_change))[1] AS oldest_pid
  FROM pg_stat_activity
 WHERE state IN ('idle in transaction', 'idle in transaction (aborted)')
   AND pid <> pg_backend_pid()
   AND datname = current_database()

-- Sessions of this database waiting on a lock held by another session, the longest wait, and
-- who blocks the session that has waited longest.
WITH blocked AS (
  SELECT pid, coalesce(query_start, state_change) AS since
    FROM pg_stat_activity
   WHERE datname = current_database()
     AND cardinality(pg_blocking_pids(pid)) > 0
)
SELECT count(*)::int AS sessions,
       coalesce(max(extract(epoch FROM now() - since)), 0)::float8 AS max_wait_seconds,
       (SELECT pid FROM blocked ORDER BY since LIMIT 1) AS oldest_pid,
       (SELECT pg_blocking_pids(pid) FROM blocked ORDER BY since LIMIT 1) AS blocked_by
  FROM blocked

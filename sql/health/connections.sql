-- Connections in use (every backend with a client) against max_connections minus the reserved ones.
SELECT count(*) FILTER (WHERE backend_type = 'client backend')::int AS used,
       current_setting('max_connections')::int AS max_connections,
       current_setting('superuser_reserved_connections')::int AS reserved
  FROM pg_stat_activity

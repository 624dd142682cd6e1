-- Tables of the served schema that a role granted SELECT could read unfiltered: row security
-- not enabled, or not forced. A restore gives no grant while one is listed.
SELECT n.nspname || '.' || c.relname AS name
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'retail' AND c.relkind IN ('r', 'p')
   AND NOT (c.relrowsecurity AND c.relforcerowsecurity)
 ORDER BY 1

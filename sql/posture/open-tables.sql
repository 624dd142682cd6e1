-- Relations in the retail schema that the reader role ($1) can read but row-level security does
-- not close: RLS off or not forced, no SELECT policy for the role, a view that runs as its owner,
-- or a materialized view. A reader role that bypasses RLS opens every one of them.
WITH reader AS (
  SELECT oid, rolsuper OR rolbypassrls AS bypasses FROM pg_roles WHERE rolname = $1
)
SELECT n.nspname || '.' || c.relname AS name,
  CASE
    WHEN (SELECT bypasses FROM reader) THEN 'the reader role bypasses row-level security'
    WHEN c.relkind = 'm' THEN 'a materialized view has no row-level security'
    WHEN c.relkind = 'v' THEN 'a view without security_invoker reads as its owner'
    WHEN NOT c.relrowsecurity THEN 'row-level security is disabled'
    WHEN NOT c.relforcerowsecurity THEN 'row-level security is not forced'
    ELSE 'no SELECT policy applies to the reader role'
  END AS problem
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN reader
WHERE n.nspname = $2
  AND c.relkind IN ('r', 'p', 'v', 'm')
  AND has_any_column_privilege(reader.oid, c.oid, 'SELECT')
  AND (
    reader.bypasses
    OR c.relkind = 'm'
    OR (c.relkind = 'v' AND NOT EXISTS (
      SELECT 1 FROM unnest(c.reloptions) AS o(opt) WHERE o.opt ~* '^security_invoker=(true|on|yes|1)$'))
    OR (c.relkind IN ('r', 'p') AND (
      NOT c.relrowsecurity
      OR NOT c.relforcerowsecurity
      OR NOT EXISTS (
        SELECT 1 FROM pg_policy p
        WHERE p.polrelid = c.oid AND p.polcmd IN ('r', '*') AND p.polpermissive
          AND (p.polroles = '{0}' OR EXISTS (
            SELECT 1 FROM unnest(p.polroles) AS r(oid) WHERE pg_has_role(reader.oid, r.oid, 'MEMBER')))
      )))
  )
ORDER BY 1

-- Posture of one role: attributes, and for every table in the retail schema whether RLS is
-- enabled and forced, and which write privileges the role holds (directly or through membership).
WITH r AS (
  SELECT oid, rolname, rolsuper, rolbypassrls, rolcanlogin
  FROM pg_roles WHERE rolname = $1
), t AS (
  SELECT c.oid, n.nspname || '.' || c.relname AS name, c.relrowsecurity, c.relforcerowsecurity
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = $2 AND c.relkind IN ('r', 'p')
)
SELECT
  (SELECT count(*) FROM r) > 0 AS exists,
  coalesce((SELECT rolsuper FROM r), false) AS superuser,
  coalesce((SELECT rolbypassrls FROM r), false) AS bypass_rls,
  coalesce((SELECT rolcanlogin FROM r), false) AS can_login,
  coalesce((SELECT array_agg(name ORDER BY name) FROM t WHERE NOT relrowsecurity), '{}') AS tables_without_rls,
  coalesce((SELECT array_agg(name ORDER BY name) FROM t WHERE NOT relforcerowsecurity), '{}') AS tables_without_force_rls,
  coalesce((
    SELECT array_agg(t.name || ':' || p.priv ORDER BY t.name, p.priv)
    FROM t
    CROSS JOIN (VALUES ('INSERT'), ('UPDATE'), ('DELETE'), ('TRUNCATE')) AS p(priv)
    WHERE (SELECT count(*) FROM r) > 0 AND has_table_privilege($1, t.oid, p.priv)
  ), '{}') AS write_grants,
  coalesce((
    SELECT array_agg(m.rolname ORDER BY m.rolname)
    FROM r JOIN pg_auth_members am ON am.member = r.oid JOIN pg_roles m ON m.oid = am.roleid
  ), '{}') AS member_of,
  coalesce((
    SELECT setconfig::text LIKE '%default_transaction_read_only=on%'
    FROM pg_db_role_setting s, r WHERE s.setrole = r.oid AND s.setdatabase = 0
  ), false) AS default_read_only

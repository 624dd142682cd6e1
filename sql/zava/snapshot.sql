-- A fingerprint of everything db init manages in this database, as (key, value) rows.
-- Comparing the fingerprint before and after a run tells what the run changed. Privileges are
-- compared as sorted (grantee, privilege) pairs, so a reordered or materialised default ACL is no change.
SELECT 'schema ' || n.nspname AS key,
  (SELECT string_agg(a.grantee::text || ':' || a.privilege_type, ',' ORDER BY a.grantee, a.privilege_type)
     FROM aclexplode(COALESCE(n.nspacl, acldefault('n', n.nspowner))) a) AS value
FROM pg_namespace n WHERE n.nspname IN ('retail', 'mcpops')
UNION ALL
SELECT CASE c.relkind WHEN 'i' THEN 'index ' WHEN 'S' THEN 'sequence ' ELSE 'table ' END
    || n.nspname || '.' || c.relname,
  'rls=' || c.relrowsecurity || ' force=' || c.relforcerowsecurity || ' acl=' || COALESCE(
    (SELECT string_agg(a.grantee::text || ':' || a.privilege_type, ',' ORDER BY a.grantee, a.privilege_type)
       FROM aclexplode(COALESCE(c.relacl, acldefault(CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END::"char", c.relowner))) a),
    '')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname IN ('retail', 'mcpops') AND c.relkind IN ('r', 'p', 'i', 'S')
UNION ALL
SELECT 'column ' || n.nspname || '.' || c.relname || '.' || a.attname, format_type(a.atttypid, a.atttypmod)
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname IN ('retail', 'mcpops') AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT 'constraint ' || n.nspname || '.' || con.conname, pg_get_constraintdef(con.oid)
FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace
WHERE n.nspname IN ('retail', 'mcpops')
UNION ALL
SELECT 'policy retail.' || tablename || '.' || policyname, COALESCE(qual, '')
FROM pg_policies WHERE schemaname = 'retail'
UNION ALL
SELECT 'function ' || n.nspname || '.' || p.proname, md5(pg_get_functiondef(p.oid))
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname IN ('retail', 'mcpops')
UNION ALL
SELECT 'extension ' || extname, extversion FROM pg_extension WHERE extname = 'vector'

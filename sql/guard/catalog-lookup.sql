-- What the SQL guard cannot decide from the text alone, resolved in one round trip.
-- $1/$2: function schemas (NULL = as search_path resolves it) and names. Several overloads may
-- match a name; the worst volatility wins (i < s < v sorts that way).
-- $3/$4: operators. pg_catalog's own operators are all backed by immutable or stable functions,
-- so an unqualified symbol only needs the visible operators of other schemas that share it.
-- $5: names used after a dot, which PostgreSQL may call as single-argument functions
-- (attribute notation); only VOLATILE candidates matter.
SELECT 'function' AS kind, f.schema, f.name,
       max(p.provolatile::text) AS volatility,
       (array_agg(p.pronamespace::regnamespace::text ORDER BY p.provolatile::text DESC))[1] AS resolved_schema,
       array_agg(DISTINCT p.proname::text) AS functions
FROM unnest($1::text[], $2::text[]) AS f(schema, name)
JOIN pg_catalog.pg_proc p ON p.proname = f.name
WHERE CASE WHEN f.schema IS NULL THEN pg_catalog.pg_function_is_visible(p.oid)
           ELSE p.pronamespace::regnamespace::text = pg_catalog.quote_ident(f.schema) END
GROUP BY f.schema, f.name
UNION ALL
SELECT 'operator', o.schema, o.name,
       max(p.provolatile::text),
       (array_agg(p.pronamespace::regnamespace::text ORDER BY p.provolatile::text DESC))[1],
       array_agg(DISTINCT p.proname::text)
FROM unnest($3::text[], $4::text[]) AS o(schema, name)
JOIN pg_catalog.pg_operator op ON op.oprname = o.name
JOIN pg_catalog.pg_proc p ON p.oid = op.oprcode
WHERE CASE WHEN o.schema IS NULL
           THEN op.oprnamespace <> 'pg_catalog'::regnamespace AND pg_catalog.pg_operator_is_visible(op.oid)
           ELSE op.oprnamespace::regnamespace::text = pg_catalog.quote_ident(o.schema) END
GROUP BY o.schema, o.name
UNION ALL
SELECT 'attribute', NULL, a.name,
       max(p.provolatile::text),
       (array_agg(p.pronamespace::regnamespace::text))[1],
       array_agg(DISTINCT p.proname::text)
FROM unnest($5::text[]) AS a(name)
JOIN pg_catalog.pg_proc p ON p.proname = a.name
WHERE p.provolatile = 'v'
  AND p.prokind = 'f'
  AND p.pronargs >= 1
  AND p.pronargs - p.pronargdefaults <= 1
  AND pg_catalog.pg_function_is_visible(p.oid)
GROUP BY a.name

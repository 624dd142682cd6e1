-- Can this database hold and search product vectors? Asked by any role, even one without
-- USAGE on schema mcpops (to_regclass would raise there, so the schema is checked first).
WITH mcpops AS (
  SELECT EXISTS (
    SELECT 1 FROM pg_catalog.pg_namespace
    WHERE nspname = 'mcpops' AND pg_catalog.has_schema_privilege(oid, 'USAGE')
  ) AS usable
)
SELECT (SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'vector') AS installed,
       EXISTS (SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = 'vector') AS available,
       pg_catalog.to_regclass('retail.product_description_embeddings') IS NOT NULL AS has_table,
       CASE WHEN m.usable THEN pg_catalog.to_regclass('mcpops.embedding_model') IS NOT NULL ELSE false END
         AS has_stamp,
       CASE WHEN m.usable THEN pg_catalog.to_regclass('mcpops.embedding_state') IS NOT NULL ELSE false END
         AS has_state
FROM mcpops m

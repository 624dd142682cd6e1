-- One table of an index definition: identity, size, row estimate and live columns.
-- $1 schema (null: resolve through search_path), $2 table name; quoting is done here, server-side.
SELECT c.oid::int8 AS oid,
       c.relnamespace::int8 AS schema_oid,
       n.nspname AS schema,
       c.relname AS name,
       c.relkind AS kind,
       greatest(c.reltuples, 0)::float8 AS estimated_rows,
       pg_total_relation_size(c.oid)::int8 AS bytes,
       array(SELECT a.attname::text
               FROM pg_attribute a
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
              ORDER BY a.attnum) AS columns
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.oid = CASE WHEN $1::text IS NULL THEN to_regclass(quote_ident($2::text))
                    ELSE to_regclass(quote_ident($1::text) || '.' || quote_ident($2::text)) END

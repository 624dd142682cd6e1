-- What already owns a relation name in a schema ($1 schema oid, $2 name): an index of which table?
SELECT c.relkind AS kind, i.indrelid::int8 AS table_oid, t.relname AS table_name
  FROM pg_class c
  LEFT JOIN pg_index i ON i.indexrelid = c.oid
  LEFT JOIN pg_class t ON t.oid = i.indrelid
 WHERE c.relnamespace = $1::oid AND c.relname = $2::text

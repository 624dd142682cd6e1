-- Every index on one table ($1 = table oid), with what the planner of index apply compares:
-- validity, the definition PostgreSQL prints back, and whether a build of it is running now.
SELECT ic.relname AS name,
       i.indisvalid AS valid,
       i.indisready AS ready,
       i.indisunique AS is_unique,
       i.indisprimary AS is_primary,
       con.conname AS constraint_name,
       pg_get_indexdef(i.indexrelid) AS definition,
       pg_relation_size(i.indexrelid)::int8 AS bytes,
       EXISTS (SELECT 1 FROM pg_stat_progress_create_index p
                WHERE p.index_relid = i.indexrelid) AS building
  FROM pg_index i
  JOIN pg_class ic ON ic.oid = i.indexrelid
  LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.contype IN ('p', 'u', 'x')
 WHERE i.indrelid = $1::oid
 ORDER BY ic.relname

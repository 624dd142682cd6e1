-- Foreign keys and secondary indexes of the retail tables, with their definitions: the sample
-- load drops them and recreates them after the data is in (one validation join and one sorted
-- build each, instead of a trigger call and an index insert per row), as pg_restore does.
SELECT 'constraint' AS kind, conrelid::regclass::text AS tbl, conname AS name, pg_get_constraintdef(oid) AS def
  FROM pg_constraint
 WHERE connamespace = 'retail'::regnamespace AND contype = 'f'
UNION ALL
SELECT 'index', i.indrelid::regclass::text, c.relname, pg_get_indexdef(i.indexrelid)
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
 WHERE c.relnamespace = 'retail'::regnamespace AND NOT i.indisprimary AND NOT i.indisunique
   AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)

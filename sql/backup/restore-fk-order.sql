-- Foreign keys between the given tables ("schema.table" names), child and parent, so a
-- restore of several tables in one transaction loads parents before the rows that need them.
SELECT cn.nspname || '.' || c.relname AS child, pn.nspname || '.' || p.relname AS parent
  FROM pg_constraint k
  JOIN pg_class c ON c.oid = k.conrelid
  JOIN pg_namespace cn ON cn.oid = c.relnamespace
  JOIN pg_class p ON p.oid = k.confrelid
  JOIN pg_namespace pn ON pn.oid = p.relnamespace
 WHERE k.contype = 'f' AND k.conrelid <> k.confrelid
   AND cn.nspname || '.' || c.relname = ANY ($1::text[])
   AND pn.nspname || '.' || p.relname = ANY ($1::text[])

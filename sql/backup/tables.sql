-- Tables whose data a backup dumps one by one: ordinary tables (and partitions) outside the
-- system schemas and not owned by an extension, largest first so parallel jobs finish together.
-- `shape` (the table's definition) and `sequences` (owned sequence positions) enter the
-- fingerprint: a renamed, dropped and re-added or retyped column, a new default for old rows
-- (attmissingval), a renamed enum label or a moved sequence changes the dump even when no row
-- version changed. Every column is listed by number, dropped ones too, and the storage file
-- (relfilenode) is named, so a rewrite (ALTER COLUMN TYPE, TRUNCATE, VACUUM FULL) never matches.
SELECT n.nspname AS schema,
       c.relname AS name,
       pg_relation_size(c.oid)::bigint AS bytes,
       c.relfilenode::text || ': ' ||
       (SELECT string_agg(a.attnum || ' ' ||
                 CASE WHEN a.attisdropped THEN '(dropped)'
                      ELSE quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod)
                           || ' ' || a.attcollation::text || ' ' || a.attgenerated::text
                           || CASE WHEN a.atthasmissing THEN ' missing=' || coalesce(a.attmissingval::text, 'NULL') ELSE '' END
                           || coalesce(' {' || (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
                                                  FROM pg_enum e
                                                 WHERE e.enumtypid IN (a.atttypid, t.typelem, t.typbasetype)) || '}', '')
                 END,
                 ', ' ORDER BY a.attnum)
          FROM pg_attribute a
          LEFT JOIN pg_type t ON t.oid = a.atttypid
         WHERE a.attrelid = c.oid AND a.attnum > 0) AS shape,
       (SELECT coalesce(string_agg(s.oid::regclass::text || '=' || coalesce(pg_sequence_last_value(s.oid)::text, '-'), ',' ORDER BY s.oid), '')
          FROM pg_depend d
          JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
         WHERE d.classid = 'pg_class'::regclass AND d.refobjid = c.oid AND d.deptype IN ('a', 'i')) AS sequences
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'r'
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg\_toast%'
   AND n.nspname NOT LIKE 'pg\_temp%'
   AND NOT EXISTS (
         SELECT 1 FROM pg_depend e
          WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
 ORDER BY pg_relation_size(c.oid) DESC, n.nspname, c.relname;

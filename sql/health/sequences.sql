-- How much of each sequence's range is used; a serial int column caps at its type's max too.
SELECT s.schemaname || '.' || s.sequencename AS sequence_name,
       coalesce(s.last_value, s.start_value)::float8 AS last_value,
       least(s.max_value::numeric,
             coalesce((SELECT CASE a.atttypid WHEN 'int2'::regtype THEN 32767
                                              WHEN 'int4'::regtype THEN 2147483647 END
                         FROM pg_depend d
                         JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                        WHERE d.objid = (quote_ident(s.schemaname) || '.' || quote_ident(s.sequencename))::regclass
                          AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
                        LIMIT 1), s.max_value::numeric))::float8 AS max_value
  FROM pg_sequences s
 WHERE s.increment_by > 0

-- Index access methods and their operator classes (pgvector adds hnsw and ivfflat).
SELECT a.amname AS name,
       array(SELECT o.opcname::text FROM pg_opclass o WHERE o.opcmethod = a.oid ORDER BY 1) AS opclasses
  FROM pg_am a
 WHERE a.amtype = 'i'

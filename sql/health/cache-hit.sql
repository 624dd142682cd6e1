-- Buffer cache hit ratio of this database since its statistics were reset.
SELECT blks_hit::int8 AS hit, blks_read::int8 AS read, stats_reset
  FROM pg_stat_database
 WHERE datname = current_database()

-- Progress of the index build running in backend $1.
SELECT phase, blocks_total::int8, blocks_done::int8, tuples_total::int8, tuples_done::int8,
       lockers_total::int8, lockers_done::int8
  FROM pg_stat_progress_create_index
 WHERE pid = $1::int

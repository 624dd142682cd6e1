-- Transaction-id age of the oldest database (check_postgres txn_wraparound) and the freeze setting.
SELECT max(age(datfrozenxid))::int8 AS xid_age,
       (array_agg(datname ORDER BY age(datfrozenxid) DESC))[1] AS oldest_database,
       current_setting('autovacuum_freeze_max_age')::int8 AS freeze_max_age
  FROM pg_database
 WHERE datallowconn

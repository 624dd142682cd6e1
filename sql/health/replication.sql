-- Standby lag (0 on a primary or when caught up), replicas' replay lag, and inactive slots.
SELECT CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END::float8 AS standby_lag_seconds,
       pg_is_in_recovery() AS in_recovery,
       (SELECT coalesce(max(extract(epoch FROM replay_lag)), 0) FROM pg_stat_replication)::float8 AS replica_lag_seconds,
       (SELECT count(*) FROM pg_stat_replication)::int AS replicas,
       (SELECT count(*) FROM pg_replication_slots)::int AS slots,
       (SELECT array_agg(slot_name::text) FROM pg_replication_slots WHERE NOT active) AS inactive_slots

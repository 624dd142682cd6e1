-- How far a read replica is behind: 0 when it has replayed all it received (an idle primary
-- sends nothing, and now() - last replay would grow with no real lag), else the age of the
-- last replayed transaction.
SELECT pg_is_in_recovery() AS in_recovery,
       CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END::float8 AS lag_seconds

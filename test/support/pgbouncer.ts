// PgBouncer for tests and benchmarks lives in bench/lib (plain JS both can load).
export * from '../../bench/lib/pgbouncer.js';

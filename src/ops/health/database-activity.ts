import { loadSql } from '../../db/sql-files.js';
import { formatDuration } from './database-server.js';
import { type HealthCheck, judge } from './types.js';

export const connectionsCheck: HealthCheck = {
  id: 'db.connections',
  component: 'database',
  database: true,
  async run(ctx) {
    const [row] = await ctx.db!.query(loadSql('health/connections'));
    const t = ctx.thresholds.connections;
    const available = Math.max(1, row.max_connections - row.reserved);
    const ratio = row.used / available;
    const status = judge(ratio, t);
    return {
      status,
      value: row.used,
      threshold: { warn: Math.ceil(t.warn * available), crit: Math.ceil(t.crit * available) },
      message: `${row.used} of ${available} connections in use (${(ratio * 100).toFixed(0)} %; max_connections ${row.max_connections}, ${row.reserved} reserved)`,
      remedy:
        status === 'OK'
          ? null
          : 'Put PgBouncer (transaction mode) in front, lower pool sizes per replica, or raise max_connections.',
      perfdata: [
        {
          label: 'connections',
          value: row.used,
          warn: Math.ceil(t.warn * available),
          crit: Math.ceil(t.crit * available),
          min: 0,
          max: available,
        },
      ],
    };
  },
};

export const idleInTransactionCheck: HealthCheck = {
  id: 'db.idle_in_transaction',
  component: 'database',
  database: true,
  async run(ctx) {
    const [row] = await ctx.db!.query(loadSql('health/idle-in-transaction'));
    const t = ctx.thresholds.idle_in_transaction_seconds;
    const age = Number(row.max_age_seconds);
    const status = row.sessions > 0 ? judge(age, t) : 'OK';
    return {
      status,
      value: Number(age.toFixed(1)),
      unit: 's',
      threshold: t,
      message: row.sessions
        ? `${row.sessions} session(s) idle in transaction, oldest ${formatDuration(age)} (pid ${row.oldest_pid})`
        : 'no session idle in transaction',
      remedy:
        status === 'OK'
          ? null
          : `Find the client holding pid ${row.oldest_pid} open (pg_stat_activity), or end it with pg_terminate_backend(${row.oldest_pid}); set idle_in_transaction_session_timeout.`,
      perfdata: [
        {
          label: 'idle_in_transaction_age',
          value: Number(age.toFixed(1)),
          uom: 's',
          warn: t.warn,
          crit: t.crit,
          min: 0,
        },
      ],
    };
  },
};

export const longQueriesCheck: HealthCheck = {
  id: 'db.long_queries',
  component: 'database',
  database: true,
  async run(ctx) {
    const t = ctx.thresholds.long_query_seconds;
    const [row] = await ctx.db!.query(loadSql('health/long-queries'), [t.warn]);
    const longest = Number(row.max_seconds);
    const status = row.queries > 0 ? judge(longest, t) : 'OK';
    return {
      status,
      value: Number(longest.toFixed(1)),
      unit: 's',
      threshold: t,
      message: row.queries
        ? `${row.queries} statement(s) running over ${formatDuration(t.warn)}, longest ${formatDuration(longest)} (pid ${row.oldest_pid})`
        : `no statement running over ${formatDuration(t.warn)}`,
      remedy:
        status === 'OK'
          ? null
          : `Look at pid ${row.oldest_pid} in pg_stat_activity; cancel it with pg_cancel_backend(${row.oldest_pid}) if it is runaway.`,
      perfdata: [{ label: 'long_queries', value: row.queries, min: 0 }],
    };
  },
};

export const blockedCheck: HealthCheck = {
  id: 'db.blocked',
  component: 'database',
  database: true,
  async run(ctx) {
    const [row] = await ctx.db!.query(loadSql('health/blocked'));
    const t = ctx.thresholds.blocked_seconds;
    const wait = Number(row.max_wait_seconds);
    const status = row.sessions > 0 ? judge(wait, t) : 'OK';
    const blockers: number[] = row.blocked_by ?? [];
    return {
      status,
      value: row.sessions,
      threshold: t,
      message: row.sessions
        ? `${row.sessions} session(s) waiting on locks, longest ${formatDuration(wait)} (pid ${row.oldest_pid} blocked by ${blockers.join(', ')})`
        : 'no session is waiting on a lock',
      remedy:
        status === 'OK'
          ? null
          : `Find what pid ${blockers[0]} is doing (pg_stat_activity); end its transaction or pg_terminate_backend(${blockers[0]}).`,
      perfdata: [{ label: 'blocked_sessions', value: row.sessions, min: 0 }],
    };
  },
};

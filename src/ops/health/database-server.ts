import { loadSql } from '../../db/sql-files.js';
import { type HealthCheck, judge, percentPerfdata } from './types.js';

function formatDuration(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} days`;
}

export { formatDuration };

/** Server facts: version and uptime. A server restart in the last 10 minutes is worth a warning. */
export const versionCheck: HealthCheck = {
  id: 'db.version',
  component: 'database',
  database: true,
  async run(ctx) {
    const [row] = await ctx.db!.query(loadSql('health/server'));
    const uptime = Number(row.uptime_seconds);
    // The embedded database starts with each command that opens it: a fresh start is normal there.
    const recent = uptime < 600 && !ctx.db!.embedded;
    return {
      status: recent ? 'WARNING' : 'OK',
      value: row.version,
      message: `PostgreSQL ${row.version}, up ${formatDuration(uptime)}${row.in_recovery ? ' (standby)' : ''}${recent ? ': restarted recently' : ''}`,
      remedy: recent ? 'Check the server log for why it restarted (crash, OOM killer, maintenance).' : null,
      perfdata: [{ label: 'uptime', value: Math.round(uptime), uom: 's', min: 0 }],
    };
  },
};

export const cacheHitCheck: HealthCheck = {
  id: 'db.cache_hit',
  component: 'database',
  database: true,
  async run(ctx) {
    const [row] = await ctx.db!.query(loadSql('health/cache-hit'));
    const t = ctx.thresholds.cache_hit;
    const total = Number(row.hit) + Number(row.read);
    const ratio = total > 0 ? Number(row.hit) / total : 1;
    const warmed = total >= t.min_blocks;
    const status = warmed ? judge(ratio, t, true) : 'OK';
    return {
      status,
      value: Number(ratio.toFixed(4)),
      threshold: { warn: t.warn, crit: t.crit },
      message: warmed
        ? `cache hit ratio ${(ratio * 100).toFixed(2)} % over ${total} blocks`
        : `cache hit ratio ${(ratio * 100).toFixed(2)} % (not judged: only ${total} blocks since the statistics reset)`,
      remedy:
        status === 'OK'
          ? null
          : 'Raise shared_buffers (or the server tier) or cut the working set (indexes, narrower queries).',
      perfdata: [percentPerfdata('cache_hit', ratio, t, 2)],
    };
  },
};

export const wraparoundCheck: HealthCheck = {
  id: 'db.wraparound',
  component: 'database',
  database: true,
  async run(ctx) {
    const [row] = await ctx.db!.query(loadSql('health/wraparound'));
    const t = ctx.thresholds.wraparound;
    const age = Number(row.xid_age);
    const threshold = { warn: Math.round(t.warn * Number(row.freeze_max_age)), crit: t.crit };
    const status = judge(age, threshold);
    return {
      status,
      value: age,
      threshold,
      message: `oldest transaction id age ${age.toLocaleString('en-US')} (database ${row.oldest_database})`,
      remedy:
        status === 'OK'
          ? null
          : `VACUUM (FREEZE) the oldest tables of ${row.oldest_database}; check autovacuum is running and not blocked.`,
      perfdata: [
        {
          label: 'xid_age',
          value: age,
          uom: 'c',
          warn: threshold.warn,
          crit: threshold.crit,
          min: 0,
          max: 2_147_483_647,
        },
      ],
    };
  },
};

export const replicationCheck: HealthCheck = {
  id: 'db.replication',
  component: 'database',
  database: true,
  async run(ctx) {
    const [row] = await ctx.db!.query(loadSql('health/replication'));
    if (!row.in_recovery && row.replicas === 0 && row.slots === 0)
      return { skip: 'no replication configured' };
    const t = ctx.thresholds.replication_lag_seconds;
    const lag = Math.max(Number(row.standby_lag_seconds), Number(row.replica_lag_seconds));
    const inactive: string[] = row.inactive_slots ?? [];
    const lagStatus = judge(lag, t);
    const slotStatus = judge(inactive.length, ctx.thresholds.inactive_slots);
    const status =
      lagStatus === 'CRITICAL'
        ? 'CRITICAL'
        : lagStatus === 'WARNING' || slotStatus !== 'OK'
          ? 'WARNING'
          : 'OK';
    return {
      status,
      value: Number(lag.toFixed(3)),
      unit: 's',
      threshold: t,
      message: `replication lag ${lag.toFixed(1)} s${row.in_recovery ? ' (this server is a standby)' : `, ${row.replicas} replica(s)`}${inactive.length ? `; inactive slots: ${inactive.join(', ')}` : ''}`,
      remedy:
        status === 'OK'
          ? null
          : inactive.length
            ? 'Drop replication slots no consumer uses (pg_drop_replication_slot): they keep WAL forever.'
            : 'Check the replica: network, disk and replay conflicts (pg_stat_replication, the standby log).',
      perfdata: [
        {
          label: 'replication_lag',
          value: Number(lag.toFixed(3)),
          uom: 's',
          warn: t.warn,
          crit: t.crit,
          min: 0,
        },
      ],
    };
  },
};

export const slowStatementsCheck: HealthCheck = {
  id: 'db.slow_statements',
  component: 'database',
  database: true,
  async run(ctx) {
    const [ext] = await ctx.db!.query("SELECT to_regclass('pg_stat_statements') IS NOT NULL AS present");
    if (!ext.present)
      return { skip: 'pg_stat_statements is not installed (shared_preload_libraries + CREATE EXTENSION)' };
    const t = ctx.thresholds.slow_statement_ms;
    let rows: any[];
    try {
      rows = await ctx.db!.query(loadSql('health/slow-statements'), [t.warn]);
    } catch (error) {
      if (/shared_preload_libraries/.test((error as Error).message))
        return { skip: 'pg_stat_statements is created but not in shared_preload_libraries' };
      throw error;
    }
    const worst = rows[0];
    const mean = worst ? Number(worst.mean_ms) : 0;
    return {
      status: rows.length ? 'WARNING' : 'OK',
      value: rows.length,
      threshold: { warn: t.warn },
      message: rows.length
        ? `${rows.length} statement(s) average over ${t.warn} ms; slowest ${mean.toFixed(0)} ms × ${worst.calls} (query id ${worst.query_id}: ${worst.query})`
        : `no statement averages over ${t.warn} ms`,
      remedy: rows.length
        ? 'EXPLAIN (ANALYZE, BUFFERS) the slowest statement; add the index it needs (mcpops index apply).'
        : null,
      perfdata: [{ label: 'slow_statements', value: rows.length, warn: 1, min: 0 }],
    };
  },
};

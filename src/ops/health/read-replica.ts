import { probeReadReplica } from '../../db/replica-probe.js';
import { type HealthCheck, judge } from './types.js';

/**
 * DATABASE_READ_URL as serve sees it: reachable, a standby, replay lag (the replication
 * thresholds), and the primary's schema version. Serve falls back to the primary, so an
 * unreachable or lagging replica costs capacity, not answers.
 */
export const readReplicaCheck: HealthCheck = {
  id: 'db.read_replica',
  component: 'database',
  database: true,
  async run(ctx) {
    if (!ctx.config.readReplicaUrl) return { skip: 'no read replica configured (DATABASE_READ_URL)' };
    const probe = (await probeReadReplica(ctx.config, ctx.db?.pool, { timeoutMs: ctx.remainingMs() }))!;
    const t = ctx.thresholds.replication_lag_seconds;
    if (!probe.reachable)
      return {
        status: 'CRITICAL',
        value: null,
        threshold: t,
        message: `read replica ${probe.where} unreachable: ${probe.error}; serve reads from the primary`,
        remedy: probe.problems[0].fix,
      };
    const lag = probe.lagSeconds ?? 0;
    // Not a standby, or another database: reads there would be wrong, not just late.
    const wrong = probe.problems.find((p) => p.kind === 'not_standby' || p.kind === 'schema');
    const lagging = probe.problems.find((p) => p.kind === 'lagging');
    const byLag = judge(lag, t);
    const status = wrong ? 'CRITICAL' : byLag === 'OK' && lagging ? 'WARNING' : byLag;
    return {
      status,
      value: Number(lag.toFixed(3)),
      unit: 's',
      threshold: t,
      message:
        wrong?.message ??
        `read replica ${probe.where}: standby, lag ${lag.toFixed(1)} s${lagging ? ' (serve reads from the primary)' : ''}, schema version ${probe.schemaVersion ?? 'none'}`,
      remedy:
        status === 'OK'
          ? null
          : ((wrong ?? lagging)?.fix ?? 'Check replay on the replica (pg_stat_wal_receiver).'),
      perfdata: [
        {
          label: 'read_replica_lag',
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

import type pg from 'pg';
import type { Config } from '../config/schema.js';
import { classifyDbError } from './errors.js';
import { createReplicaPool, measureReplica } from './replica.js';
import { loadSql } from './sql-files.js';

export interface ReplicaProbe {
  where: string;
  reachable: boolean;
  error?: string;
  inRecovery?: boolean;
  lagSeconds?: number;
  /** The schema version `db init` recorded on the replica and on the primary (null: none or unreadable). */
  schemaVersion?: string | null;
  primarySchemaVersion?: string | null;
  /** One line per thing wrong, with how to fix it; empty when the replica is fit for reads. */
  problems: Array<{
    kind: 'unreachable' | 'not_standby' | 'lagging' | 'schema';
    message: string;
    fix: string;
  }>;
}

export async function schemaVersion(db: Pick<pg.Pool, 'query'>): Promise<string | null> {
  try {
    const { rows } = await db.query(loadSql('serve/schema-version'));
    return rows[0]?.version ?? null;
  } catch {
    return null;
  }
}

/**
 * Probes DATABASE_READ_URL the way serve uses it: reachable, in recovery (a standby), replay
 * lag against `maxLagSeconds`, and the same schema version as the primary. Undefined when no
 * replica is configured.
 */
export async function probeReadReplica(
  config: Config,
  primary: Pick<pg.Pool, 'query'> | undefined,
  options: { timeoutMs?: number } = {},
): Promise<ReplicaProbe | undefined> {
  const replica = createReplicaPool(config, { max: 1, applicationName: `${config.applicationName}-probe` });
  if (!replica) return undefined;
  const probe: ReplicaProbe = { where: replica.where, reachable: false, problems: [] };
  try {
    const measured = await measureReplica(replica.pool, options.timeoutMs ?? 5000);
    Object.assign(probe, { reachable: true, ...measured });
    probe.schemaVersion = await schemaVersion(replica.pool);
    if (primary) probe.primarySchemaVersion = await schemaVersion(primary);
  } catch (error) {
    const classified = classifyDbError(error, replica.where);
    probe.error = classified.message;
    probe.problems.push({
      kind: 'unreachable',
      message: `the read replica is not reachable: ${classified.message}`,
      fix: classified.suggestion ?? 'Check DATABASE_READ_URL, the replica and the network.',
    });
    return probe;
  } finally {
    await replica.pool.end().catch(() => {});
  }
  if (!probe.inRecovery)
    probe.problems.push({
      kind: 'not_standby',
      message: `DATABASE_READ_URL (${replica.where}) is not a standby (pg_is_in_recovery() is false)`,
      fix: 'Point DATABASE_READ_URL at a streaming replica of the primary, or unset it.',
    });
  if ((probe.lagSeconds ?? 0) > config.readReplicaMaxLagSeconds)
    probe.problems.push({
      kind: 'lagging',
      message: `the read replica is ${probe.lagSeconds?.toFixed(1)} s behind (limit ${config.readReplicaMaxLagSeconds} s); serve reads from the primary meanwhile`,
      fix: 'Check replay on the replica (pg_stat_wal_receiver, replay paused, conflicts) and its disk and network.',
    });
  if (primary && probe.schemaVersion !== probe.primarySchemaVersion)
    probe.problems.push({
      kind: 'schema',
      message: `the read replica's schema version (${probe.schemaVersion ?? 'none'}) differs from the primary's (${probe.primarySchemaVersion ?? 'none'})`,
      fix: 'DATABASE_READ_URL must be a replica of DATABASE_URL; check both URLs name the same database.',
    });
  return probe;
}

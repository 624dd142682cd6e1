import type { Config } from '../config/schema.js';
import type { Database } from '../db/open.js';
import { createReadRouter, createReplicaPool } from '../db/replica.js';
import type { Logger } from './log.js';
import { databaseBreaker, type ProductionParts } from './production.js';

/**
 * With DATABASE_READ_URL set, gives serve's database a read router: store sessions go to the
 * replica while it is fit, to the primary otherwise, counted in /metrics. Everything that writes
 * keeps using `db.pool` (the primary). Without the setting, `db` is returned unchanged.
 */
export async function withReadReplica(
  db: Database,
  config: Config,
  parts: Pick<ProductionParts, 'metrics'>,
  log: Logger,
): Promise<Database> {
  if (db.embedded) return db;
  const replica = createReplicaPool(config, { applicationName: `${config.applicationName}-serve` });
  if (!replica) return db;
  const breaker = databaseBreaker(config, log, 'read replica circuit breaker');
  const reads = createReadRouter({
    primary: db.pool,
    replica: replica.pool,
    replicaWhere: replica.where,
    maxLagSeconds: config.readReplicaMaxLagSeconds,
    checkSeconds: config.readReplicaCheckSeconds,
    breaker,
    onRoute(target, reason) {
      parts.metrics.readTargets.inc({ target });
      if (reason) parts.metrics.readFallbacks.inc({ reason });
    },
    onStatusChange(status) {
      const fields = { replica: replica.where, reason: status.reason, lagSeconds: status.lagSeconds };
      if (status.reads === 'replica') log.info('reads go to the replica', fields);
      else log.warn('reads go to the primary', { ...fields, error: status.error });
    },
  });
  await reads.refresh();
  return {
    ...db,
    reads,
    async close() {
      await reads.close();
      await db.close();
    },
  };
}

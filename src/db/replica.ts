import type pg from 'pg';
import { parseDatabaseUrl } from '../config/database.js';
import type { Config } from '../config/schema.js';
import { tlsFromConfig, tlsOfUrl } from '../config/tls.js';
import { McpopsError } from '../errors.js';
import { classifyDbError } from './errors.js';
import { createPool, type PoolOptions } from './pool.js';
import { type StoreSessionOptions, withStoreSession } from './session.js';
import { loadSql } from './sql-files.js';

export type ReadTarget = 'primary' | 'replica';
/** Why a read went to the primary although a replica is configured. */
export type FallbackReason = 'unreachable' | 'lagging' | 'breaker_open';

export interface ReplicaStatus {
  reachable: boolean;
  inRecovery?: boolean;
  lagSeconds?: number;
  /** Where reads go now, and why not to the replica when they do not. */
  reads: ReadTarget;
  reason?: FallbackReason;
  checkedAt?: string;
  error?: string;
}

/** The replica's circuit breaker (the same kind serve keeps for the primary). */
export interface ReplicaBreaker {
  run<T>(fn: () => Promise<T>): Promise<T>;
  state(): 'closed' | 'open' | 'half-open';
}

export interface ReadRouter {
  /** Runs `fn` in a read-only store session on the replica when it is fit, else on the primary. */
  session<T>(options: StoreSessionOptions, fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  status(): ReplicaStatus;
  /** Measures reachability and lag now (also done every `checkSeconds`). */
  refresh(): Promise<ReplicaStatus>;
  close(): Promise<void>;
}

export interface ReadRouterOptions {
  primary: pg.Pool;
  replica: pg.Pool;
  replicaWhere: string;
  maxLagSeconds: number;
  checkSeconds: number;
  breaker: ReplicaBreaker;
  /** Every routed call: where it ran, and why not on the replica when it did not. */
  onRoute?: (target: ReadTarget, reason?: FallbackReason) => void;
  onStatusChange?: (status: ReplicaStatus) => void;
}

/** Reachability, recovery and lag of a replica in one cheap query (bounded by `timeoutMs`). */
export async function measureReplica(
  pool: pg.Pool,
  timeoutMs: number,
): Promise<{ inRecovery: boolean; lagSeconds: number }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const { rows } = await Promise.race([pool.query(loadSql('serve/replica-lag')), timeout]);
    return { inRecovery: rows[0].in_recovery, lagSeconds: rows[0].lag_seconds };
  } finally {
    clearTimeout(timer);
  }
}

/** The replica URL's printable name (never the password). */
export function describeReplicaUrl(url: string): string {
  const u = parseDatabaseUrl(url, 'readReplicaUrl');
  const user = u.username ? `${decodeURIComponent(u.username)}@` : '';
  return `postgres://${user}${u.hostname}:${u.port || 5432}${u.pathname}`;
}

/** A pool on DATABASE_READ_URL with the primary's pool settings; undefined when it is not set. */
export function createReplicaPool(
  config: Config,
  options: Omit<PoolOptions, 'url' | 'config' | 'sslMode' | 'tls'> = {},
): { pool: pg.Pool; where: string } | undefined {
  if (!config.readReplicaUrl) return undefined;
  const raw = config.readReplicaUrl.reveal();
  const where = describeReplicaUrl(raw);
  // The same TLS rule as the primary: the URL's libpq parameters over the POSTGRES_SSL* settings.
  const pool = createPool({
    ...options,
    url: config.readReplicaUrl,
    tls: tlsOfUrl(new URL(raw), tlsFromConfig(config)),
    config,
  });
  return { pool, where };
}

function isUnreachable(error: unknown): boolean {
  return error instanceof McpopsError && (error.code === 'db_unreachable' || error.code === 'circuit_open');
}

/**
 * Routes serve's read-only store sessions: to the replica while it answers, its breaker is
 * closed and its lag (measured every few seconds, cached) is within the limit; to the primary
 * otherwise. A replica that fails before the caller's statement is sent costs the caller nothing:
 * the same session runs on the primary.
 */
export function createReadRouter(options: ReadRouterOptions): ReadRouter {
  let measured: Omit<ReplicaStatus, 'reads' | 'reason'> = { reachable: false };
  const reasonNow = (): FallbackReason | undefined => {
    if (!measured.reachable) return 'unreachable';
    if ((measured.lagSeconds ?? 0) > options.maxLagSeconds) return 'lagging';
    if (options.breaker.state() === 'open') return 'breaker_open';
    return undefined;
  };
  const status = (): ReplicaStatus => {
    const reason = reasonNow();
    return { ...measured, reads: reason ? 'primary' : 'replica', reason };
  };
  let last = '';
  const note = () => {
    const now = status();
    const key = `${now.reads}:${now.reason ?? ''}`;
    if (key !== last) {
      last = key;
      options.onStatusChange?.(now);
    }
  };
  const refresh = async (): Promise<ReplicaStatus> => {
    try {
      const m = await measureReplica(options.replica, Math.max(1000, options.checkSeconds * 1000));
      measured = { reachable: true, ...m, checkedAt: new Date().toISOString() };
    } catch (error) {
      measured = {
        reachable: false,
        checkedAt: new Date().toISOString(),
        error: classifyDbError(error, options.replicaWhere).message,
      };
    }
    note();
    return status();
  };
  let running: Promise<ReplicaStatus> | undefined;
  const tick = () => {
    running ??= refresh().finally(() => {
      running = undefined;
    });
  };
  const timer = setInterval(tick, options.checkSeconds * 1000);
  timer.unref();

  const onPrimary = <T>(
    session: StoreSessionOptions,
    fn: (client: pg.PoolClient) => Promise<T>,
    reason: FallbackReason,
  ) => {
    options.onRoute?.('primary', reason);
    return withStoreSession(options.primary, session, fn);
  };

  return {
    status,
    refresh,
    async session(session, fn) {
      const reason = reasonNow();
      if (reason) return onPrimary(session, fn, reason);
      try {
        const result = await options.breaker.run(() =>
          withStoreSession(options.replica, { ...session, where: options.replicaWhere }, fn),
        );
        options.onRoute?.('replica');
        return result;
      } catch (error) {
        if (!isUnreachable(error)) {
          // It ran there and failed on its own terms (bad SQL, a timeout): the caller's error.
          options.onRoute?.('replica');
          throw error;
        }
        // Nothing of the caller's ran there; measure again rather than wait for the next tick.
        tick();
        return onPrimary(session, fn, 'unreachable');
      }
    },
    async close() {
      clearInterval(timer);
      await running?.catch(() => {});
      await options.replica.end().catch(() => {});
    },
  };
}

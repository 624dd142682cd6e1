import pg from 'pg';
import type { SslMode } from '../config/database.js';
import type { Config } from '../config/schema.js';
import type { Secret } from '../config/secret.js';

export interface PoolOptions {
  url: Secret;
  sslMode?: SslMode;
  config: Pick<
    Config,
    'applicationName' | 'poolMin' | 'poolMax' | 'poolIdleSeconds' | 'poolMaxUses' | 'statementTimeoutMs'
  > &
    Partial<Pick<Config, 'poolQueueTimeoutMs'>>;
  /** Overrides config.poolMax (the embedded database takes one connection). */
  max?: number;
  applicationName?: string;
  /** A session statement_timeout set at connect (for one-shot tools such as health). */
  statementTimeoutMs?: number;
  onError?: (error: Error) => void;
}

function sslFor(mode: SslMode | undefined): pg.ClientConfig['ssl'] {
  switch (mode) {
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
    case 'verify-full':
      return { rejectUnauthorized: true };
    default:
      return undefined;
  }
}

/**
 * One pool per database URL, tuned from config (sizes, idle lifetime, recycling). No startup
 * `options`: PgBouncer refuses them, and in transaction mode a session setting would not follow
 * the caller anyway. Serve's settings (jit, work_mem, timeouts) are SET LOCAL in its store session.
 */
export function createPool(options: PoolOptions): pg.Pool {
  const { config } = options;
  const url = new URL(options.url.reveal());
  // sslmode in the URL is handled here, not by pg's parser (which would override ssl below).
  url.searchParams.delete('sslmode');
  const max = options.max ?? config.poolMax;
  const pool = new pg.Pool({
    connectionString: url.toString(),
    ssl: sslFor(options.sslMode),
    min: Math.min(config.poolMin, max),
    max,
    idleTimeoutMillis: config.poolIdleSeconds * 1000,
    maxUses: config.poolMaxUses,
    // How long a caller waits for a connection (pool exhausted or server slow to accept).
    connectionTimeoutMillis: config.poolQueueTimeoutMs ?? 10_000,
    application_name: options.applicationName ?? config.applicationName,
    statement_timeout: options.statementTimeoutMs,
  });
  // An idle client's error (server restart, network) must not crash the process.
  pool.on('error', options.onError ?? (() => {}));
  return pool;
}

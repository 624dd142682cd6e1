import pg from 'pg';
import type { SslMode } from '../config/database.js';
import type { Config } from '../config/schema.js';
import type { Secret } from '../config/secret.js';
import type { TlsSettings } from '../config/tls.js';
import { sslOptions, stripTls } from './connection.js';

export interface PoolOptions {
  url: Secret;
  sslMode?: SslMode;
  /** sslmode with the certificate files; wins over sslMode. */
  tls?: TlsSettings;
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

function sslFor(options: PoolOptions): pg.ClientConfig['ssl'] {
  return sslOptions(options.tls ?? { mode: options.sslMode ?? 'prefer' });
}

/**
 * One pool per database URL, tuned from config (sizes, idle lifetime, recycling). No startup
 * `options`: PgBouncer refuses them, and in transaction mode a session setting would not follow
 * the caller anyway. Serve's settings (jit, work_mem, timeouts) are SET LOCAL in its store session.
 */
export function createPool(options: PoolOptions): pg.Pool {
  const { config } = options;
  const url = new URL(options.url.reveal());
  // TLS parameters in the URL are handled by the connection factory, not by pg's parser
  // (which would override ssl below).
  const max = options.max ?? config.poolMax;
  const pool = new pg.Pool({
    connectionString: stripTls(url).toString(),
    ssl: sslFor(options),
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

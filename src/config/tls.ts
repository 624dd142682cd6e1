import type { Config } from './schema.js';
import { Secret } from './secret.js';

/**
 * How a connection is secured: the sslmode and certificate files, as libpq names them. Every
 * connection mcpops makes (pools, backup and restore clients, pg_dump and psql children) is
 * built from these, so one setting means the same thing everywhere.
 */
export interface TlsSettings {
  mode: Config['postgresSslMode'];
  rootCert?: string;
  cert?: string;
  key?: string;
}

/** libpq's URL parameter and environment variable for each setting. */
export const TLS_PARAMS = [
  ['mode', 'sslmode', 'PGSSLMODE'],
  ['rootCert', 'sslrootcert', 'PGSSLROOTCERT'],
  ['cert', 'sslcert', 'PGSSLCERT'],
  ['key', 'sslkey', 'PGSSLKEY'],
] as const;

export function tlsFromConfig(
  config: Pick<Config, 'postgresSslMode' | 'postgresSslRootCert' | 'postgresSslCert' | 'postgresSslKey'>,
): TlsSettings {
  return {
    mode: config.postgresSslMode,
    rootCert: config.postgresSslRootCert,
    cert: config.postgresSslCert,
    key: config.postgresSslKey,
  };
}

/** The TLS settings a URL carries as libpq parameters, over `defaults` for the ones it lacks. */
export function tlsOfUrl(url: URL, defaults: TlsSettings = { mode: 'prefer' }): TlsSettings {
  const tls: TlsSettings = { ...defaults };
  for (const [field, param] of TLS_PARAMS) {
    const value = url.searchParams.get(param);
    if (value) (tls as unknown as Record<string, string>)[field] = value;
  }
  return tls;
}

/**
 * The URL with the TLS settings written in as libpq parameters (ones already in it win), so
 * every connection derived from it later (another database on the server, a child tool) keeps them.
 */
export function withTls(url: Secret, tls: TlsSettings): Secret {
  const parsed = new URL(url.reveal());
  const merged = tlsOfUrl(parsed, tls);
  for (const [field, param] of TLS_PARAMS) {
    const value = merged[field];
    if (value) parsed.searchParams.set(param, value);
  }
  return new Secret(parsed.toString());
}

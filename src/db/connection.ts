import { readFileSync } from 'node:fs';
import type pg from 'pg';
import type { Secret } from '../config/secret.js';
import { TLS_PARAMS as PARAMS, type TlsSettings, tlsOfUrl } from '../config/tls.js';
import { ConfigError, type McpopsError } from '../errors.js';

function readPem(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new ConfigError(
      `the ${what} file ${file} cannot be read (${(error as NodeJS.ErrnoException).code})`,
      {
        code: 'db_tls_file',
        suggestion: `Check POSTGRES_SSL${what === 'CA certificate' ? 'ROOTCERT' : what === 'client key' ? 'KEY' : 'CERT'} and the file's permissions.`,
      },
    );
  }
}

/**
 * node-postgres `ssl` for a mode, with libpq's meaning: require encrypts without checking the
 * certificate (unless a root certificate is given: then, as in libpq, it checks the chain like
 * verify-ca), verify-ca checks the chain, verify-full the chain and the host name. disable and
 * prefer connect in the clear (node-postgres cannot fall back from TLS).
 */
export function sslOptions(tls: TlsSettings): pg.ClientConfig['ssl'] {
  if (tls.mode === 'disable' || tls.mode === 'prefer') return undefined;
  const files = {
    ...(tls.rootCert ? { ca: readPem(tls.rootCert, 'CA certificate') } : {}),
    ...(tls.cert ? { cert: readPem(tls.cert, 'client certificate') } : {}),
    ...(tls.key ? { key: readPem(tls.key, 'client key') } : {}),
  };
  if (tls.mode === 'require' && !tls.rootCert) return { rejectUnauthorized: false, ...files };
  if (tls.mode === 'require' || tls.mode === 'verify-ca')
    return { rejectUnauthorized: true, checkServerIdentity: () => undefined, ...files };
  return { rejectUnauthorized: true, ...files };
}

/** The URL without TLS parameters: node-postgres's own parser would override `ssl` with them. */
export function stripTls(url: URL): URL {
  const copy = new URL(url.toString());
  for (const [, param] of PARAMS) copy.searchParams.delete(param);
  return copy;
}

/** A node-postgres client config from a URL (with its TLS parameters) and the configured defaults. */
export function clientConfig(
  url: Secret,
  options: { tls?: TlsSettings; applicationName?: string; connectTimeoutMs?: number } = {},
): pg.ClientConfig {
  const parsed = new URL(url.reveal());
  return {
    connectionString: stripTls(parsed).toString(),
    ssl: sslOptions(tlsOfUrl(parsed, options.tls)),
    application_name: options.applicationName,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
  };
}

/**
 * The libpq environment for a child tool (pg_dump, psql): host, port, database, user, password
 * and TLS from the URL, so no secret appears on a command line. Other PG* variables of this
 * process are removed: the URL and the settings decide, not the shell the tool runs from.
 */
export function libpqEnvironment(
  url: Secret,
  options: { database?: string; tls?: TlsSettings; applicationName?: string } = {},
): NodeJS.ProcessEnv {
  const parsed = new URL(url.reveal());
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('PG')) delete env[key];
  env.PGHOST = decodeURIComponent(parsed.hostname) || 'localhost';
  env.PGPORT = parsed.port || '5432';
  env.PGDATABASE = options.database ?? decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (parsed.username) env.PGUSER = decodeURIComponent(parsed.username);
  if (parsed.password) env.PGPASSWORD = decodeURIComponent(parsed.password);
  const tls = tlsOfUrl(parsed, options.tls);
  for (const [field, , variable] of PARAMS) {
    const value = tls[field];
    if (value) env[variable] = value;
  }
  if (options.applicationName) env.PGAPPNAME = options.applicationName;
  env.PGCONNECT_TIMEOUT = '10';
  return env;
}

const TLS_FAILURE =
  /certificate|self[- ]signed|SSL|TLS|ERR_TLS|UNABLE_TO_VERIFY|CERT_|Hostname\/IP does not match/i;

/** A failed TLS handshake or refused plain connection, as a config error (78) that says what to change. */
export function tlsFailure(error: unknown, where: string): McpopsError | undefined {
  const e = error as { code?: string; message?: string };
  const text = `${e?.code ?? ''} ${e?.message ?? ''}`;
  if (!TLS_FAILURE.test(text)) return undefined;
  return new ConfigError(`TLS to ${where} failed: ${(e.message ?? String(error)).split('\n')[0]}`, {
    code: 'db_tls_failed',
    suggestion:
      'Check POSTGRES_SSLMODE (or sslmode in the URL) and, for verify-ca/verify-full, POSTGRES_SSLROOTCERT: it must be the CA that signed the server certificate.',
    cause: error,
  });
}

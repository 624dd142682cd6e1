import { ConfigError } from '../errors.js';
import type { Config } from './schema.js';
import { Secret } from './secret.js';
import { type TlsSettings, tlsFromConfig, tlsOfUrl } from './tls.js';

export type SslMode = Config['postgresSslMode'];

/** Where the database is: a server reached by URL, or the embedded PGlite under a folder. */
export type DatabaseTarget =
  | {
      kind: 'server';
      url: Secret;
      host: string;
      port: number;
      database: string;
      user?: string;
      sslMode: SslMode;
      /** sslmode and certificate files: the URL's libpq parameters over the POSTGRES_SSL* settings. */
      tls: TlsSettings;
    }
  | { kind: 'embedded'; dir: string };

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith('127.') || host.startsWith('/');
}

/** Parses a postgres:// URL; the error never repeats the URL (it may hold a password). */
export function parseDatabaseUrl(url: string, setting = 'databaseUrl'): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`${setting} is not a valid URL`, {
      code: 'database_url_invalid',
      suggestion:
        'Use postgres://user:password@host:5432/database (percent-encode special characters in the password).',
    });
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new ConfigError(
      `${setting} must start with postgres:// or postgresql:// (got ${parsed.protocol}//)`,
      {
        code: 'database_url_invalid',
        suggestion: 'Use postgres://user:password@host:5432/database.',
      },
    );
  }
  if (parsed.port && (Number(parsed.port) < 1 || Number(parsed.port) > 65535)) {
    throw new ConfigError(`${setting} has an invalid port ${parsed.port}`, { code: 'database_url_invalid' });
  }
  return parsed;
}

/** The database the config points at; embedded when neither a URL nor POSTGRES_HOST is set. */
export function resolveDatabaseTarget(config: Config): DatabaseTarget {
  if (config.databaseUrl) {
    const url = parseDatabaseUrl(config.databaseUrl.reveal());
    const tls = tlsOfUrl(url, tlsFromConfig(config));
    return {
      kind: 'server',
      url: config.databaseUrl,
      host: decodeURIComponent(url.hostname) || 'localhost',
      port: Number(url.port || 5432),
      database: decodeURIComponent(url.pathname.replace(/^\//, '')) || config.postgresDb,
      user: url.username ? decodeURIComponent(url.username) : undefined,
      sslMode: tls.mode,
      tls,
    };
  }
  if (config.postgresHost) {
    const url = new URL('postgres://localhost');
    url.hostname = config.postgresHost;
    url.port = String(config.postgresPort);
    url.pathname = `/${encodeURIComponent(config.postgresDb)}`;
    if (config.postgresUser) url.username = encodeURIComponent(config.postgresUser);
    const password = config.postgresPassword?.reveal();
    if (password) url.password = encodeURIComponent(password);
    return {
      kind: 'server',
      url: new Secret(url.toString()),
      host: config.postgresHost,
      port: config.postgresPort,
      database: config.postgresDb,
      user: config.postgresUser,
      sslMode: config.postgresSslMode,
      tls: tlsFromConfig(config),
    };
  }
  return { kind: 'embedded', dir: config.embeddedDir };
}

/** A printable description of the target: host, port, database and user, never the password. */
export function describeDatabaseTarget(target: DatabaseTarget): string {
  if (target.kind === 'embedded') return `embedded PGlite at ${target.dir}`;
  return `postgres://${target.user ? `${target.user}@` : ''}${target.host}:${target.port}/${target.database}`;
}

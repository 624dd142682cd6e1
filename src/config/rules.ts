import { ConfigError } from '../errors.js';
import { isLoopbackHost, parseDatabaseUrl } from './database.js';
import { resolveThresholds } from './health-thresholds.js';
import { parseRegionMap } from './regions.js';
import { type Config, isSecretSetting, type SettingKey, settingKeys } from './schema.js';
import { describeSource, type Finding, type SettingSource } from './sources.js';

/** Runs the parser a structured setting is read with at run time; its error becomes a finding. */
function parses(setting: SettingKey, parse: () => unknown): Finding[] {
  try {
    parse();
    return [];
  } catch (error) {
    return [
      {
        level: 'error',
        setting,
        message: (error as Error).message,
        fix: (error as { suggestion?: string }).suggestion ?? '',
      },
    ];
  }
}

const SSL_MODES = new Set(['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify']);

/**
 * A database URL as every user of it reads it: parsed, each part percent-decoded, a known
 * sslmode. Errors name the setting and the part, never the URL (it may hold a password).
 */
export function checkDatabaseUrl(value: string, setting: SettingKey): URL {
  const url = parseDatabaseUrl(value, setting);
  for (const [part, text] of [
    ['user name', url.username],
    ['password', url.password],
    ['host', url.hostname],
    ['database name', url.pathname],
  ] as const) {
    try {
      decodeURIComponent(text);
    } catch {
      throw new ConfigError(`${setting} has a malformed percent-encoding in its ${part}`, {
        code: 'database_url_invalid',
        suggestion: 'Percent-encode special characters as %XX (e.g. @ as %40, % as %25).',
      });
    }
  }
  const sslMode = url.searchParams.get('sslmode');
  if (sslMode !== null && !SSL_MODES.has(sslMode))
    throw new ConfigError(`${setting} has an unknown sslmode "${sslMode}"`, {
      code: 'database_url_invalid',
      suggestion: 'Use sslmode=disable, prefer, require, verify-ca or verify-full.',
    });
  return url;
}

/** Structured settings parsed exactly as their users parse them, and limits that depend on each other. */
export function structuredSettingFindings(config: Config): Finding[] {
  const findings: Finding[] = [
    ...parses('authRegions', () => parseRegionMap(config.authRegions)),
    ...parses('healthThresholds', () => resolveThresholds(config.healthThresholds)),
  ];
  if (config.readReplicaUrl)
    findings.push(
      ...parses('readReplicaUrl', () => checkDatabaseUrl(config.readReplicaUrl!.reveal(), 'readReplicaUrl')),
    );
  if (config.redisUrl) {
    let protocol = '';
    try {
      protocol = new URL(config.redisUrl.reveal()).protocol;
    } catch {}
    if (protocol !== 'redis:' && protocol !== 'rediss:')
      findings.push({
        level: 'error',
        setting: 'redisUrl',
        message: 'REDIS_URL is not a redis:// or rediss:// URL',
        fix: 'Use redis://[user:password@]host:6379[/db], or rediss:// for TLS.',
      });
  }
  if (config.httpSessionsPerIdentity >= config.httpMaxSessions)
    findings.push({
      level: 'error',
      setting: 'httpSessionsPerIdentity',
      message: `httpSessionsPerIdentity (${config.httpSessionsPerIdentity}) is not below httpMaxSessions (${config.httpMaxSessions}): one caller could hold every session`,
      fix: 'Lower MCPOPS_HTTP_SESSIONS_PER_IDENTITY or raise MCPOPS_HTTP_MAX_SESSIONS.',
    });
  if (config.httpHeadersTimeoutMs > config.httpRequestTimeoutMs)
    findings.push({
      level: 'error',
      setting: 'httpHeadersTimeoutMs',
      message: `httpHeadersTimeoutMs (${config.httpHeadersTimeoutMs}) is longer than httpRequestTimeoutMs (${config.httpRequestTimeoutMs})`,
      fix: 'The headers are part of the request: lower MCPOPS_HTTP_HEADERS_TIMEOUT_MS or raise MCPOPS_HTTP_REQUEST_TIMEOUT_MS.',
    });
  return findings;
}

/**
 * Rules across settings. In prod they are errors; a few apply in every profile as warnings.
 * Live checks (role posture, reachability) are not here: they belong to `--check` and `health`.
 */
export function applyProfileRules(config: Config, sources: Record<SettingKey, SettingSource>): Finding[] {
  const findings: Finding[] = structuredSettingFindings(config);
  const prod = config.profile === 'prod';
  const severity = prod ? 'error' : 'warning';

  let host: string | undefined = config.postgresHost;
  let sslMode = config.postgresSslMode;
  if (config.databaseUrl) {
    try {
      const url = checkDatabaseUrl(config.databaseUrl.reveal(), 'databaseUrl');
      host = decodeURIComponent(url.hostname);
      sslMode = (url.searchParams.get('sslmode') as typeof sslMode | null) ?? sslMode;
    } catch (error) {
      findings.push({
        level: 'error',
        setting: 'databaseUrl',
        message: (error as Error).message,
        fix: (error as { suggestion?: string }).suggestion ?? '',
      });
    }
  }
  const embedded = !config.databaseUrl && !config.postgresHost;

  if (prod && embedded) {
    findings.push({
      level: 'error',
      setting: 'databaseUrl',
      message: 'the prod profile needs a PostgreSQL server; the embedded database is for dev only',
      fix: 'Set DATABASE_URL (or POSTGRES_HOST and friends).',
    });
  }
  if (prod && config.authMode !== 'jwt') {
    findings.push({
      level: 'error',
      setting: 'authMode',
      message: 'the prod profile requires HTTP authentication',
      fix: 'Set MCPOPS_AUTH=jwt with MCPOPS_JWKS_URL or MCPOPS_JWT_PUBLIC_KEY.',
    });
  }
  if (config.authMode === 'jwt' && !config.jwksUrl && !config.jwtPublicKey) {
    findings.push({
      level: 'error',
      setting: 'authMode',
      message: 'jwt authentication needs a key source',
      fix: 'Set MCPOPS_JWKS_URL or MCPOPS_JWT_PUBLIC_KEY (a PEM, or a file: reference).',
    });
  }
  if (
    !embedded &&
    host &&
    !isLoopbackHost(host) &&
    !['require', 'verify-ca', 'verify-full'].includes(sslMode)
  ) {
    findings.push({
      level: severity,
      setting: 'postgresSslMode',
      message: `TLS to ${host} is not required (sslmode=${sslMode})`,
      fix: 'Set POSTGRES_SSLMODE=require (or verify-full), or sslmode=require in DATABASE_URL.',
    });
  }
  if (prod) {
    for (const key of settingKeys.filter(isSecretSetting)) {
      const source = sources[key];
      if (source.kind === 'dotenv' && config[key] && !(config[key] as { reference?: string }).reference) {
        findings.push({
          level: 'error',
          setting: key,
          message: `${key} is a plain secret in ${describeSource(source)}`,
          fix: 'In prod, give secrets through the environment, a file: reference (container secrets) or keyvault:.',
        });
      }
    }
    if (config.devEncryptionKey) {
      findings.push({
        level: 'error',
        setting: 'devEncryptionKey',
        message: 'DEV_ENCRYPTION_KEY is for the dev profile only',
        fix: 'Use MCPOPS_ENCRYPTION_KEY=keyvault:<name> (or ENCRYPTION_KEY_SECRET_NAME) in prod.',
      });
    }
  }
  if (config.authMode === 'none' && !isLoopbackHost(config.httpHost)) {
    findings.push({
      level: severity,
      setting: 'httpHost',
      message: `HTTP would listen on ${config.httpHost} without authentication`,
      fix: 'Bind to 127.0.0.1, or set MCPOPS_AUTH=jwt.',
    });
  }
  if (config.poolMin > config.poolMax) {
    findings.push({
      level: 'error',
      setting: 'poolMin',
      message: `poolMin (${config.poolMin}) is larger than poolMax (${config.poolMax})`,
      fix: 'Lower MCPOPS_POOL_MIN or raise MCPOPS_POOL_MAX.',
    });
  }
  return findings;
}

import { isLoopbackHost, parseDatabaseUrl } from './database.js';
import { describeSource, type Finding, type SettingSource } from './load.js';
import { type Config, isSecretSetting, type SettingKey, settingKeys } from './schema.js';

/**
 * Rules across settings. In prod they are errors; a few apply in every profile as warnings.
 * Live checks (role posture, reachability) are not here: they belong to `--check` and `health`.
 */
export function applyProfileRules(config: Config, sources: Record<SettingKey, SettingSource>): Finding[] {
  const findings: Finding[] = [];
  const prod = config.profile === 'prod';
  const severity = prod ? 'error' : 'warning';

  let host: string | undefined = config.postgresHost;
  let sslMode = config.postgresSslMode;
  if (config.databaseUrl) {
    try {
      const url = parseDatabaseUrl(config.databaseUrl.reveal());
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

import { availableParallelism, homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { Secret } from './secret.js';

/**
 * Every setting mcpops reads, in one place: its type and default (zod), the environment
 * variables that feed it (first listed wins over later aliases), the flag that overrides it,
 * and whether it is a secret. Config-file keys are the setting names.
 */
export interface SettingMeta {
  env: string[];
  flag?: string;
  secret?: boolean;
  description: string;
}

type SettingDef<S extends z.ZodType, M extends SettingMeta> = M & { schema: S };

function setting<S extends z.ZodType, const M extends SettingMeta>(schema: S, meta: M): SettingDef<S, M> {
  return { schema, ...meta };
}

const cpus = availableParallelism();
/**
 * PostgreSQL's integer settings (statement_timeout, lock_timeout, …) and Node's timers both stop
 * at 2^31 − 1: a larger value is refused by PostgreSQL or fires at once in Node.
 */
export const INT32_MAX = 2_147_483_647;
/** The largest serve statement timeout: idle_in_transaction_session_timeout and the embedded watchdog add up to 30 s to it. */
export const MAX_STATEMENT_TIMEOUT_MS = INT32_MAX - 30_000;
/** Seconds that become a millisecond timer. */
const MAX_TIMER_SECONDS = Math.floor(INT32_MAX / 1000);
/** Byte sizes held in one string (a result or a request body): far below V8's string limit. */
const MAX_BUFFER_BYTES = 256 * 1024 * 1024;
const int = (min: number, max = INT32_MAX) => z.coerce.number().int().min(min).max(max);
const seconds = (min: number) => int(min, MAX_TIMER_SECONDS);
/** Comma-separated origins as browsers send them: scheme://host[:port], nothing after. */
const originList = z.string().refine(
  (text) =>
    text
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean)
      .every((item) => {
        try {
          return new URL(item).origin === item;
        } catch {
          return false;
        }
      }),
  'must be a comma-separated list of origins such as https://app.example.com (no path)',
);
const port = int(1, 65535);
const httpUrl = z.url({ protocol: /^https?$/ });
/** A PostgreSQL memory setting (work_mem, maintenance_work_mem): at most 2^31 − 1 kB. */
const memorySize = z
  .string()
  .regex(/^\d+(kB|MB|GB)$/, 'must be a number followed by kB, MB or GB')
  .refine((value) => {
    const [, digits, unit] = /^(\d+)(kB|MB|GB)$/.exec(value) ?? [];
    return Number(digits) * { kB: 1, MB: 1024, GB: 1024 * 1024 }[unit as 'kB'] <= INT32_MAX;
  }, 'is larger than PostgreSQL accepts (2147483647kB)');
/** A JSON object given as text; what its values mean is checked where it is used (rules.ts). */
const jsonText = z.string().refine((text) => {
  try {
    const value = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value);
  } catch {
    return false;
  }
}, 'must be a JSON object');
const urlList = z.string().refine(
  (text) =>
    text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .every((item) => httpUrl.safeParse(item).success),
  'must be a comma-separated list of http(s) URLs',
);

export const settings = {
  profile: setting(z.enum(['dev', 'prod']).default('dev'), {
    env: ['MCPOPS_PROFILE'],
    flag: 'profile',
    description: 'dev or prod; prod tightens the rules (no embedded database, auth on, TLS, no .env secrets)',
  }),
  logLevel: setting(z.enum(['debug', 'info', 'warn', 'error']).default('info'), {
    env: ['LOG_LEVEL', 'MCPOPS_LOG_LEVEL'],
    description: 'structured log level (stderr)',
  }),

  // Database
  databaseUrl: setting(z.string().optional(), {
    env: ['DATABASE_URL', 'MCPOPS_DATABASE_URL'],
    flag: 'databaseUrl',
    secret: true,
    description:
      'PostgreSQL URL; wins over the POSTGRES_* parts; unset (and no POSTGRES_HOST) means the embedded database',
  }),
  postgresHost: setting(z.string().min(1).optional(), {
    env: ['POSTGRES_HOST', 'POSTGRES_DB_HOST'],
    description: 'PostgreSQL host (used when DATABASE_URL is not set)',
  }),
  postgresPort: setting(port.default(5432), {
    env: ['POSTGRES_PORT', 'POSTGRES_DB_PORT'],
    description: 'PostgreSQL port',
  }),
  postgresDb: setting(z.string().min(1).default('zava'), {
    env: ['POSTGRES_DB'],
    description: 'database name',
  }),
  postgresUser: setting(z.string().min(1).optional(), { env: ['POSTGRES_USER'], description: 'login role' }),
  postgresPassword: setting(z.string().optional(), {
    env: ['POSTGRES_PASSWORD'],
    secret: true,
    description: 'login password',
  }),
  postgresSslMode: setting(
    z.enum(['disable', 'prefer', 'require', 'verify-ca', 'verify-full']).default('prefer'),
    {
      env: ['POSTGRES_SSLMODE', 'PGSSLMODE'],
      description: 'TLS to the database; prod requires require or stricter unless the host is loopback',
    },
  ),
  postgresSslRootCert: setting(z.string().optional(), {
    env: ['POSTGRES_SSLROOTCERT', 'PGSSLROOTCERT'],
    description: 'CA certificate file (PEM) that verify-ca / verify-full trust',
  }),
  postgresSslCert: setting(z.string().optional(), {
    env: ['POSTGRES_SSLCERT', 'PGSSLCERT'],
    description: 'client certificate file (PEM) for certificate login',
  }),
  postgresSslKey: setting(z.string().optional(), {
    env: ['POSTGRES_SSLKEY', 'PGSSLKEY'],
    description: 'private key file (PEM) of the client certificate',
  }),
  applicationName: setting(z.string().min(1).default('mcpops'), {
    env: ['POSTGRES_APPLICATION_NAME'],
    description: 'application_name reported to PostgreSQL',
  }),
  readReplicaUrl: setting(z.string().optional(), {
    env: ['DATABASE_READ_URL'],
    secret: true,
    description: 'optional read-replica URL for serve queries',
  }),
  readReplicaMaxLagSeconds: setting(z.coerce.number().min(0).default(5), {
    env: ['MCPOPS_READ_REPLICA_MAX_LAG_SECONDS'],
    description: 'replica replay lag above which serve reads from the primary',
  }),
  readReplicaCheckSeconds: setting(int(1, 3600).default(2), {
    env: ['MCPOPS_READ_REPLICA_CHECK_SECONDS'],
    description: 'how often serve measures the replica (reachable, lag)',
  }),
  serveRole: setting(
    z
      .string()
      .regex(/^[a-z_][a-z0-9_]*$/)
      .default('zava_reader'),
    {
      env: ['MCPOPS_SERVE_ROLE'],
      description: 'NOLOGIN reader role every serve call switches to (SET LOCAL ROLE)',
    },
  ),
  serveLoginRole: setting(
    z
      .string()
      .regex(/^[a-z_][a-z0-9_]*$/)
      .default('zava_serve'),
    {
      env: ['MCPOPS_SERVE_LOGIN_ROLE'],
      description: 'login role db init creates for serve; it can only become the reader role',
    },
  ),
  serveLoginPassword: setting(z.string().optional(), {
    env: ['MCPOPS_SERVE_PASSWORD'],
    secret: true,
    description: 'password db init sets on the serve login role',
  }),
  poolMin: setting(int(0, 1000).default(Math.max(2, cpus)), {
    env: ['MCPOPS_POOL_MIN'],
    description: 'pool minimum, default max(2, cpus)',
  }),
  poolMax: setting(int(1, 1000).default(Math.min(20, cpus * 4)), {
    env: ['MCPOPS_POOL_MAX'],
    description: 'pool maximum, default min(20, cpus × 4)',
  }),
  poolIdleSeconds: setting(seconds(1).default(300), {
    env: ['MCPOPS_POOL_IDLE_SECONDS'],
    description: 'idle lifetime',
  }),
  poolMaxUses: setting(int(1).default(50_000), {
    env: ['MCPOPS_POOL_MAX_USES'],
    description: 'recycle a connection after this many queries',
  }),
  statementTimeoutMs: setting(int(1, MAX_STATEMENT_TIMEOUT_MS).default(30_000), {
    env: ['MCPOPS_STATEMENT_TIMEOUT_MS'],
    description: 'statement timeout per call',
  }),
  workMem: setting(memorySize.default('8MB'), {
    env: ['MCPOPS_WORK_MEM'],
    description: 'work_mem per session',
  }),

  // Embedded database
  embeddedDir: setting(
    z
      .string()
      .min(1)
      .default(join(homedir(), '.mcpops', 'embedded')),
    {
      env: ['MCPOPS_EMBEDDED_DIR'],
      flag: 'embeddedDir',
      description: 'data directory of the embedded PGlite database',
    },
  ),
  embeddedScale: setting(z.enum(['tiny', 'small', 'medium', 'full']).default('small'), {
    env: ['MCPOPS_EMBEDDED_SCALE'],
    description: 'sample-data scale loaded into a new embedded database',
  }),

  // serve
  maxRows: setting(int(1, 1_000_000).default(1000), {
    env: ['MCPOPS_MAX_ROWS'],
    description: 'rows returned per query',
  }),
  maxBytes: setting(int(1024, MAX_BUFFER_BYTES).default(1_048_576), {
    env: ['MCPOPS_MAX_BYTES'],
    description: 'bytes returned per query',
  }),
  httpHost: setting(z.string().min(1).default('127.0.0.1'), {
    env: ['MCPOPS_HTTP_HOST'],
    flag: 'host',
    description: 'HTTP bind address',
  }),
  httpPort: setting(int(0, 65535).default(8000), {
    env: ['MCPOPS_HTTP_PORT', 'PORT'],
    flag: 'port',
    description: 'HTTP port',
  }),
  httpMaxSessions: setting(int(1, 100_000).default(1000), {
    env: ['MCPOPS_HTTP_MAX_SESSIONS'],
    description: 'open HTTP sessions allowed at once, over all callers',
  }),
  httpSessionsPerIdentity: setting(int(1, 100_000).default(50), {
    env: ['MCPOPS_HTTP_SESSIONS_PER_IDENTITY'],
    description:
      'open HTTP sessions one caller (token subject and store identity) may hold; must stay below the global cap',
  }),
  httpSessionIdleSeconds: setting(seconds(1).default(1800), {
    env: ['MCPOPS_HTTP_SESSION_IDLE_SECONDS'],
    description: 'an HTTP session unused this long is closed',
  }),
  httpHeadersTimeoutMs: setting(int(100).default(10_000), {
    env: ['MCPOPS_HTTP_HEADERS_TIMEOUT_MS'],
    description: 'time allowed to receive a request’s headers (408 after)',
  }),
  httpBodyTimeoutMs: setting(int(100).default(30_000), {
    env: ['MCPOPS_HTTP_BODY_TIMEOUT_MS'],
    description: 'time allowed to receive a request body once the headers are in (408 after)',
  }),
  httpRequestTimeoutMs: setting(int(100).default(60_000), {
    env: ['MCPOPS_HTTP_REQUEST_TIMEOUT_MS'],
    description: 'time allowed to receive a whole request, headers and body (408 after)',
  }),
  postureRecheckSeconds: setting(int(1, 30).default(30), {
    env: ['MCPOPS_POSTURE_RECHECK_SECONDS'],
    description:
      'serve re-checks row-level security on the retail tables this often; an open table stops every data call',
  }),
  allowedHosts: setting(z.string().optional(), {
    env: ['MCPOPS_ALLOWED_HOSTS'],
    description: 'comma-separated Host header values accepted (default: loopback names)',
  }),
  allowedOrigins: setting(originList.optional(), {
    env: ['MCPOPS_ALLOWED_ORIGINS'],
    description: 'comma-separated Origins accepted and allowed by CORS (default: none)',
  }),
  authMode: setting(z.enum(['none', 'jwt']).default('none'), {
    env: ['MCPOPS_AUTH'],
    flag: 'auth',
    description: 'HTTP authentication; prod requires jwt',
  }),
  jwksUrl: setting(httpUrl.optional(), {
    env: ['MCPOPS_JWKS_URL'],
    description: 'JWKS URL for bearer tokens',
  }),
  jwtPublicKey: setting(z.string().optional(), {
    env: ['MCPOPS_JWT_PUBLIC_KEY'],
    description: 'PEM public key (or file: reference) for bearer tokens',
  }),
  jwtAudience: setting(z.string().default('mcp-server'), {
    env: ['MCPOPS_JWT_AUDIENCE'],
    description: 'expected aud',
  }),
  jwtIssuer: setting(z.string().default('zava-auth'), {
    env: ['MCPOPS_JWT_ISSUER'],
    description: 'expected iss',
  }),
  revocationFile: setting(z.string().optional(), {
    env: ['MCPOPS_REVOCATION_FILE'],
    description: 'file of revoked token ids (jti), one per line',
  }),
  authRegions: setting(jsonText.optional(), {
    env: ['MCPOPS_AUTH_REGIONS'],
    description:
      'JSON map of region → store names for regional_manager tokens, e.g. {"west":["Zava Retail Seattle"]}',
  }),
  authorizationServers: setting(urlList.optional(), {
    env: ['MCPOPS_AUTHORIZATION_SERVERS'],
    description: 'comma-separated authorization server URLs advertised in OAuth protected-resource metadata',
  }),
  publicUrl: setting(httpUrl.optional(), {
    env: ['MCPOPS_PUBLIC_URL'],
    description:
      'the URL clients reach the server at (for protected-resource metadata), e.g. https://mcp.zava.example',
  }),
  jwtClockToleranceSeconds: setting(int(0, 600).default(30), {
    env: ['MCPOPS_JWT_CLOCK_TOLERANCE_SECONDS'],
    description: 'clock skew allowed on exp/nbf',
  }),
  revocationRedisKey: setting(z.string().optional(), {
    env: ['MCPOPS_REVOCATION_REDIS_KEY'],
    description: 'Redis set of revoked token ids (needs REDIS_URL)',
  }),
  authFailuresPerMinute: setting(int(1).default(10), {
    env: ['MCPOPS_AUTH_FAILURES_PER_MINUTE'],
    description: 'failed authentications allowed per client address',
  }),
  maxBodyBytes: setting(int(1024, MAX_BUFFER_BYTES).default(1_048_576), {
    env: ['MCPOPS_MAX_BODY_BYTES'],
    description: 'largest HTTP request body accepted',
  }),
  breakerFailures: setting(int(1).default(5), {
    env: ['MCPOPS_BREAKER_FAILURES'],
    description: 'consecutive database failures that open the circuit breaker',
  }),
  breakerResetSeconds: setting(seconds(1).default(60), {
    env: ['MCPOPS_BREAKER_RESET_SECONDS'],
    description: 'seconds before an open breaker lets one call through',
  }),
  poolQueueMax: setting(int(0).default(100), {
    env: ['MCPOPS_POOL_QUEUE_MAX'],
    description: 'calls allowed to wait for a database connection before refusing',
  }),
  poolQueueTimeoutMs: setting(int(1).default(10_000), {
    env: ['MCPOPS_POOL_QUEUE_TIMEOUT_MS'],
    description: 'how long a call waits for a database connection',
  }),
  redisUrl: setting(z.string().optional(), {
    env: ['REDIS_URL'],
    secret: true,
    description: 'Redis for shared rate limits and cache',
  }),
  redisKeyPrefix: setting(z.string().min(1).default('mcpops:'), {
    env: ['MCPOPS_REDIS_KEY_PREFIX'],
    description: 'prefix of every Redis key serve writes (several deployments can share one Redis)',
  }),
  rateLimitPerMinute: setting(int(1).default(120), {
    env: ['MCPOPS_RATE_LIMIT_PER_MINUTE'],
    description: 'calls per identity',
  }),
  rateLimitBurst: setting(int(1).default(30), {
    env: ['MCPOPS_RATE_LIMIT_BURST'],
    description: 'burst per identity',
  }),
  cacheTtlSeconds: setting(seconds(0).default(300), {
    env: ['MCPOPS_CACHE_TTL_SECONDS'],
    description: '0 turns the cache off',
  }),
  cacheMaxEntries: setting(int(0, 10_000_000).default(1000), {
    env: ['MCPOPS_CACHE_MAX_ENTRIES'],
    description: 'memory cache size',
  }),
  slowQueryMs: setting(int(1).default(1000), {
    env: ['MCPOPS_SLOW_QUERY_MS'],
    description: 'slow-query log threshold',
  }),
  applicationInsightsConnectionString: setting(z.string().optional(), {
    env: ['APPLICATIONINSIGHTS_CONNECTION_STRING'],
    secret: true,
    description: 'turns on OpenTelemetry export to Azure Monitor',
  }),

  // Embeddings
  embeddingProvider: setting(z.enum(['use-lite', 'local', 'azure-openai']).default('use-lite'), {
    env: ['MCPOPS_EMBEDDING_PROVIDER'],
    flag: 'provider',
    description: 'use-lite (offline, meaning + words), local (offline, words only) or azure-openai',
  }),
  azureOpenaiEndpoint: setting(httpUrl.optional(), {
    env: ['AZURE_OPENAI_ENDPOINT'],
    description: 'Azure OpenAI endpoint',
  }),
  azureOpenaiApiKey: setting(z.string().optional(), {
    env: ['AZURE_OPENAI_API_KEY'],
    secret: true,
    description: 'API key; unset means an Entra token from DefaultAzureCredential',
  }),
  embeddingDeployment: setting(z.string().min(1).default('text-embedding-3-small'), {
    env: ['EMBEDDING_MODEL_DEPLOYMENT_NAME'],
    description: 'Azure OpenAI embedding deployment',
  }),
  azureOpenaiApiVersion: setting(z.string().default('2024-10-21'), {
    env: ['AZURE_OPENAI_API_VERSION'],
    description: 'Azure OpenAI REST api-version',
  }),
  hnswEfSearch: setting(int(1, 1000).default(40), {
    env: ['MCPOPS_HNSW_EF_SEARCH'],
    description: 'hnsw.ef_search per query',
  }),
  searchVectorWeight: setting(z.coerce.number().min(0).max(10).default(1), {
    env: ['MCPOPS_SEARCH_VECTOR_WEIGHT'],
    description: 'semantic search: weight of the vector rank in the fused ranking',
  }),
  searchTextWeight: setting(z.coerce.number().min(0).max(10).default(1), {
    env: ['MCPOPS_SEARCH_TEXT_WEIGHT'],
    description: 'semantic search: weight of the full-text rank (0 = vector only)',
  }),
  searchRrfK: setting(int(1, 1000).default(60), {
    env: ['MCPOPS_SEARCH_RRF_K'],
    description: 'semantic search: reciprocal rank fusion constant k',
  }),

  // Azure identity and Key Vault
  azureClientId: setting(z.string().optional(), {
    env: ['AZURE_CLIENT_ID'],
    description: 'service principal / managed identity',
  }),
  azureClientSecret: setting(z.string().optional(), {
    env: ['AZURE_CLIENT_SECRET'],
    secret: true,
    description: 'service principal secret',
  }),
  azureTenantId: setting(z.string().optional(), { env: ['AZURE_TENANT_ID'], description: 'Entra tenant' }),
  azureKeyVaultUrl: setting(httpUrl.optional(), {
    env: ['AZURE_KEY_VAULT_URL'],
    description: 'vault for keyvault: references',
  }),
  projectEndpoint: setting(z.string().optional(), {
    env: ['PROJECT_ENDPOINT'],
    description: 'Azure AI project endpoint',
  }),

  // Backups
  backupTarget: setting(z.string().optional(), {
    env: ['MCPOPS_BACKUP_TARGET'],
    flag: 'target',
    description: 'folder path, file:///path or azure://container/prefix',
  }),
  backupLeaseWaitSeconds: setting(int(0, 86_400).default(120), {
    env: ['MCPOPS_BACKUP_LEASE_WAIT_SECONDS'],
    flag: 'wait',
    description: 'how long a backup waits for another one on the same target before giving up (exit 69)',
  }),
  backupContainer: setting(z.string().default('database-backups'), {
    env: ['MCPOPS_BACKUP_CONTAINER'],
    description: 'Blob container when the target names none',
  }),
  azureStorageConnectionString: setting(z.string().optional(), {
    env: ['AZURE_STORAGE_CONNECTION_STRING'],
    secret: true,
    description: 'Blob Storage connection string',
  }),
  azureStorageAccount: setting(z.string().optional(), {
    env: ['AZURE_STORAGE_ACCOUNT'],
    description: 'storage account',
  }),
  azureStorageKey: setting(z.string().optional(), {
    env: ['AZURE_STORAGE_KEY'],
    secret: true,
    description: 'account key',
  }),
  azureStorageSasToken: setting(z.string().optional(), {
    env: ['AZURE_STORAGE_SAS_TOKEN'],
    secret: true,
    description: 'SAS token',
  }),
  encryptionKey: setting(z.string().optional(), {
    env: ['MCPOPS_ENCRYPTION_KEY'],
    secret: true,
    description: 'backup key (32 bytes, base64 or hex); use a keyvault: or file: reference',
  }),
  encryptionKeySecretName: setting(z.string().optional(), {
    env: ['ENCRYPTION_KEY_SECRET_NAME'],
    description: 'Key Vault secret holding the backup key',
  }),
  devEncryptionKey: setting(z.string().optional(), {
    env: ['DEV_ENCRYPTION_KEY'],
    secret: true,
    description: 'backup key for the dev profile only',
  }),
  pgBin: setting(z.string().optional(), {
    env: ['MCPOPS_PG_BIN'],
    flag: 'pgBin',
    description: 'folder of pg_dump/pg_restore',
  }),

  // health
  alertWebhook: setting(httpUrl.optional(), {
    env: ['MCPOPS_ALERT_WEBHOOK'],
    flag: 'alertWebhook',
    description: 'health alerts are POSTed here',
  }),
  serverUrl: setting(httpUrl.optional(), {
    env: ['MCPOPS_SERVER_URL'],
    flag: 'serverUrl',
    description: 'a running serve instance (health, scale-advise)',
  }),
  healthTimeoutMs: setting(int(100, 600_000).default(5000), {
    env: ['MCPOPS_HEALTH_TIMEOUT_MS'],
    description: 'health: a check not finished by then reports UNKNOWN',
  }),
  healthThresholds: setting(z.union([z.string(), z.record(z.string(), z.unknown())]).optional(), {
    env: ['MCPOPS_HEALTH_THRESHOLDS'],
    description: 'health: JSON object overriding thresholds, e.g. {"connections":{"warn":0.7}}',
  }),
  healthStateFile: setting(
    z
      .string()
      .min(1)
      .default(join(homedir(), '.mcpops', 'health-state.json')),
    {
      env: ['MCPOPS_HEALTH_STATE_FILE'],
      description: 'health: last statuses and alert times, so cron runs do not repeat alerts',
    },
  ),

  // index apply
  indexLockTimeoutMs: setting(int(1).default(1000), {
    env: ['MCPOPS_INDEX_LOCK_TIMEOUT_MS'],
    description: 'index apply: lock_timeout of each DDL statement (retried on timeout)',
  }),
  indexStatementTimeoutMs: setting(int(0).default(14_400_000), {
    env: ['MCPOPS_INDEX_STATEMENT_TIMEOUT_MS'],
    description: 'index apply: statement_timeout of one index build (0 = none)',
  }),
  indexLockRetries: setting(int(0, 20).default(3), {
    env: ['MCPOPS_INDEX_LOCK_RETRIES'],
    description: 'index apply: retries after a lock timeout, with backoff',
  }),
  maintenanceWorkMem: setting(memorySize.default('256MB'), {
    env: ['MCPOPS_MAINTENANCE_WORK_MEM'],
    description: 'index apply: maintenance_work_mem for vector index builds',
  }),
  vectorIndexMethod: setting(z.enum(['hnsw', 'ivfflat']).default('hnsw'), {
    env: ['MCPOPS_VECTOR_INDEX_METHOD'],
    flag: 'vectorMethod',
    description: 'index apply: pgvector index type for the embeddings (hnsw or ivfflat)',
  }),
} as const;

export type Settings = typeof settings;
export type SettingKey = keyof Settings;
type SecretKey = { [K in SettingKey]: Settings[K] extends { secret: true } ? K : never }[SettingKey];
/** Loaded settings: secrets arrive wrapped in `Secret`, so printing them shows `***`. */
export type Config = {
  [K in SettingKey]: K extends SecretKey ? Secret | undefined : z.output<Settings[K]['schema']>;
};

export const settingKeys = Object.keys(settings) as SettingKey[];

export function isSecretSetting(key: SettingKey): boolean {
  return Boolean((settings[key] as SettingMeta).secret);
}

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { type ReferenceContext, resolveReference } from './references.js';
import { applyProfileRules } from './rules.js';
import {
  type Config,
  isSecretSetting,
  type SettingKey,
  type SettingMeta,
  settingKeys,
  settings,
} from './schema.js';
import { Secret } from './secret.js';
import { describeSource, type Finding, type SettingSource } from './sources.js';

export { describeSource, type Finding, type SettingSource } from './sources.js';

export const DEFAULT_CONFIG_FILE = 'mcpops.config.json';

export interface LoadedConfig {
  config: Config;
  sources: Record<SettingKey, SettingSource>;
  findings: Finding[];
  files: { dotenv?: string; config?: string };
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Command-line values keyed by commander option name (camelCase). */
  flags?: Record<string, unknown>;
  /** --config: must exist when given. */
  configFile?: string;
  /** --dotenv: must exist when given. */
  envFile?: string;
  fetchKeyVaultSecret?: ReferenceContext['fetchKeyVaultSecret'];
}

async function readDotenv(
  options: LoadConfigOptions,
  cwd: string,
): Promise<{ file?: string; values: Record<string, string> }> {
  const file = options.envFile ? resolve(cwd, options.envFile) : resolve(cwd, '.env');
  if (!options.envFile && !existsSync(file)) return { values: {} };
  try {
    return { file, values: parseDotenv(await readFile(file, 'utf8')) };
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(`env file ${file} cannot be read (${reason})`, {
      code: 'env_file_unreadable',
      suggestion: options.envFile ? 'Check the --dotenv path.' : 'Fix the permissions of .env or remove it.',
    });
  }
}

async function readConfigFile(
  options: LoadConfigOptions,
  cwd: string,
): Promise<{ file?: string; values: Record<string, unknown> }> {
  const file = options.configFile ? resolve(cwd, options.configFile) : resolve(cwd, DEFAULT_CONFIG_FILE);
  if (!options.configFile && !existsSync(file)) return { values: {} };
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(`config file ${file} cannot be read (${reason})`, {
      code: 'config_file_unreadable',
      suggestion: 'Check the --config path, or remove the flag to use defaults.',
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config file ${file} is not valid JSON: ${(error as Error).message}`, {
      code: 'config_file_invalid',
      suggestion: 'Fix the JSON syntax; keys are setting names as listed by `mcpops validate-config`.',
    });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${file} must hold a JSON object`, { code: 'config_file_invalid' });
  }
  // Own keys only: `toString`, `constructor` or `__proto__` are not settings.
  const unknown = Object.keys(parsed).filter((key) => !Object.hasOwn(settings, key));
  if (unknown.length > 0) {
    throw new ConfigError(
      `config file ${file} has unknown setting${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`,
      {
        code: 'config_unknown_key',
        suggestion: `Remove or rename ${unknown.length > 1 ? 'them' : 'it'}; valid names are listed by \`mcpops validate-config\`.`,
      },
    );
  }
  return { file, values: parsed as Record<string, unknown> };
}

function pick(
  key: SettingKey,
  meta: SettingMeta,
  layers: {
    flags: Record<string, unknown>;
    env: NodeJS.ProcessEnv;
    dotenv: Record<string, string>;
    dotenvFile?: string;
    file: Record<string, unknown>;
    configFile?: string;
  },
): { raw: unknown; source: SettingSource } {
  if (meta.flag && layers.flags[meta.flag] !== undefined)
    return { raw: layers.flags[meta.flag], source: { kind: 'flag', name: meta.flag } };
  for (const name of meta.env) {
    const value = layers.env[name];
    if (value !== undefined && value !== '') return { raw: value, source: { kind: 'env', name } };
  }
  for (const name of meta.env) {
    const value = layers.dotenv[name];
    if (value !== undefined && value !== '')
      return { raw: value, source: { kind: 'dotenv', name, file: layers.dotenvFile ?? '.env' } };
  }
  if (layers.file[key] !== undefined)
    return {
      raw: layers.file[key],
      source: { kind: 'file', file: layers.configFile ?? DEFAULT_CONFIG_FILE },
    };
  return { raw: undefined, source: { kind: 'default' } };
}

function aliasConflicts(
  meta: SettingMeta,
  env: NodeJS.ProcessEnv,
  key: SettingKey,
  winner: SettingSource,
): Finding[] {
  if (winner.kind !== 'env' || meta.env.length < 2) return [];
  const others = meta.env.filter(
    (name) =>
      name !== winner.name && env[name] !== undefined && env[name] !== '' && env[name] !== env[winner.name],
  );
  return others.map((name) => ({
    level: 'warning' as const,
    setting: key,
    message: `${winner.name} and ${name} are both set and differ; ${winner.name} won`,
    fix: `Unset ${name}, or set only the one you mean.`,
  }));
}

function zodMessage(error: z.ZodError): string {
  return error.issues.map((issue) => issue.message).join('; ');
}

/**
 * Loads every setting from flags > environment > .env > config file > defaults, resolves
 * secret references, and applies the profile rules. Invalid values become error findings
 * (and fall back to the default) so `validate-config` can show all of them at once.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const dotenv = await readDotenv(options, cwd);
  const file = await readConfigFile(options, cwd);
  const layers = {
    flags: options.flags ?? {},
    env,
    dotenv: dotenv.values,
    dotenvFile: dotenv.file,
    file: file.values,
    configFile: file.file,
  };

  const values: Record<string, unknown> = {};
  const sources = {} as Record<SettingKey, SettingSource>;
  const findings: Finding[] = [];
  const rawSecrets: Partial<Record<SettingKey, string>> = {};

  for (const key of settingKeys) {
    const meta = settings[key] as SettingMeta & { schema: z.ZodType };
    const { raw, source } = pick(key, meta, layers);
    sources[key] = source;
    findings.push(...aliasConflicts(meta, env, key, source));
    const parsed = meta.schema.safeParse(typeof raw === 'string' ? raw.trim() : raw);
    if (parsed.success) {
      values[key] = parsed.data;
    } else {
      const shown = meta.secret ? '' : ` (got ${JSON.stringify(raw)})`;
      findings.push({
        level: 'error',
        setting: key,
        message: `${key} from ${describeSource(source)} is invalid: ${zodMessage(parsed.error)}${shown}`,
        fix: `Set ${meta.env[0] ?? key} to a valid value: ${meta.description}.`,
      });
      values[key] = meta.schema.safeParse(undefined).data;
    }
    if (meta.secret && typeof values[key] === 'string') rawSecrets[key] = values[key] as string;
  }

  const referenceContext: ReferenceContext = {
    env,
    keyVaultUrl: values.azureKeyVaultUrl as string | undefined,
    fetchKeyVaultSecret: options.fetchKeyVaultSecret,
  };
  await Promise.all(
    settingKeys.filter(isSecretSetting).map(async (key) => {
      const raw = rawSecrets[key];
      if (raw === undefined) return;
      try {
        const resolved = await resolveReference(key, raw, referenceContext);
        values[key] = new Secret(resolved, resolved === raw ? undefined : raw);
      } catch (error) {
        values[key] = undefined;
        if (!(error instanceof ConfigError)) throw error;
        findings.push({ level: 'error', setting: key, message: error.message, fix: error.suggestion ?? '' });
      }
    }),
  );
  const jwtKey = values.jwtPublicKey as string | undefined;
  if (jwtKey?.startsWith('file:') || jwtKey?.startsWith('env:')) {
    try {
      values.jwtPublicKey = await resolveReference('jwtPublicKey', jwtKey, referenceContext);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      findings.push({
        level: 'error',
        setting: 'jwtPublicKey',
        message: error.message,
        fix: error.suggestion ?? '',
      });
    }
  }

  const config = values as Config;
  findings.push(...applyProfileRules(config, sources));
  return { config, sources, findings, files: { dotenv: dotenv.file, config: file.file } };
}

/** Throws the first error finding as a ConfigError (exit 78); commands call this before doing anything. */
export function assertConfigValid(loaded: LoadedConfig): Config {
  const errors = loaded.findings.filter((finding) => finding.level === 'error');
  if (errors.length > 0) {
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more; run \`mcpops validate-config\`)` : '';
    throw new ConfigError(`${errors[0].message}${more}`, {
      code: 'config_invalid',
      suggestion: errors[0].fix,
    });
  }
  return loaded.config;
}

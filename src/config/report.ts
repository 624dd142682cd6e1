import { describeSource, type Finding, type LoadedConfig } from './load.js';
import { isSecretSetting, type SettingKey, type SettingMeta, settingKeys, settings } from './schema.js';
import { Secret } from './secret.js';

export interface SettingRow {
  key: SettingKey;
  env: string[];
  /** Printable value: secrets show `***` or the reference they came from, never the value. */
  value: string | null;
  source: string;
  secret: boolean;
}

export interface ConfigReport {
  profile: string;
  files: LoadedConfig['files'];
  settings: SettingRow[];
  findings: Finding[];
}

function printable(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (value instanceof Secret) return value.reference ? `*** (from ${value.reference})` : '***';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Every setting with its printable value and winning source, plus the loader's findings. */
export function describeConfig(loaded: LoadedConfig): ConfigReport {
  return {
    profile: loaded.config.profile,
    files: loaded.files,
    settings: settingKeys.map((key) => ({
      key,
      env: (settings[key] as SettingMeta).env,
      value: printable(loaded.config[key]),
      source: describeSource(loaded.sources[key]),
      secret: isSecretSetting(key),
    })),
    findings: loaded.findings,
  };
}

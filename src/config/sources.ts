import type { SettingKey } from './schema.js';

/** Where a setting's value came from, highest first: flag, env, .env, config file, default. */
export type SettingSource =
  | { kind: 'flag'; name: string }
  | { kind: 'env'; name: string }
  | { kind: 'dotenv'; name: string; file: string }
  | { kind: 'file'; file: string }
  | { kind: 'default' };

export interface Finding {
  level: 'error' | 'warning';
  setting?: SettingKey;
  message: string;
  fix: string;
}

export function describeSource(source: SettingSource): string {
  switch (source.kind) {
    case 'flag':
      return `flag --${source.name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    case 'env':
      return `env ${source.name}`;
    case 'dotenv':
      return `${source.file} ${source.name}`;
    case 'file':
      return source.file;
    case 'default':
      return 'default';
  }
}

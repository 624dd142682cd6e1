#!/usr/bin/env node
// Writes the configuration table into README.md (between the config-table markers) from the one
// settings schema. Run after `npm run build`: `node scripts/config-table.js`. `--check` only compares.
import { readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { settingKeys, settings } from '../dist/src/config/schema.js';

const DYNAMIC_DEFAULTS = { poolMin: 'max(2, cpus)', poolMax: 'min(20, cpus × 4)' };

function defaultOf(key, schema) {
  if (DYNAMIC_DEFAULTS[key]) return DYNAMIC_DEFAULTS[key];
  const parsed = schema.safeParse(undefined);
  if (!parsed.success || parsed.data === undefined) return '';
  // Paths under the home folder of whoever generated the table read as ~ for every reader.
  const value = String(parsed.data);
  return value.startsWith(`${homedir()}/`) ? `~${value.slice(homedir().length)}` : value;
}

export function configTable() {
  const lines = ['| setting (config-file key) | environment | flag | default | secret | what it is |', '|---|---|---|---|---|---|'];
  for (const key of settingKeys) {
    const s = settings[key];
    const flag = s.flag ? `\`--${s.flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}\`` : '';
    const env = s.env.map((e) => `\`${e}\``).join(', ');
    const def = defaultOf(key, s.schema);
    lines.push(`| \`${key}\` | ${env} | ${flag} | ${def ? `\`${def}\`` : ''} | ${s.secret ? 'yes' : ''} | ${s.description.replace(/\|/g, '\\|')} |`);
  }
  return lines.join('\n');
}

const readme = fileURLToPath(new URL('../README.md', import.meta.url));
const text = readFileSync(readme, 'utf8');
const start = '<!-- config-table:start -->';
const end = '<!-- config-table:end -->';
const next = `${text.slice(0, text.indexOf(start) + start.length)}\n${configTable()}\n${text.slice(text.indexOf(end))}`;
if (process.argv.includes('--check')) {
  if (next !== text) {
    console.error('README.md configuration table is out of date: run `npm run build && node scripts/config-table.js`');
    process.exitCode = 1;
  }
} else {
  writeFileSync(readme, next);
}

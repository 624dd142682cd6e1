#!/usr/bin/env node
// Prints the configuration table for README.md from the one settings schema (run after `npm run build`).
import { settingKeys, settings } from '../dist/src/config/schema.js';

const defaultOf = (schema) => {
  const parsed = schema.safeParse(undefined);
  if (!parsed.success || parsed.data === undefined) return '';
  return String(parsed.data).replace(/^\/root|^\/home\/[^/]+/, '~');
};
const lines = ['| setting (config file key) | environment | flag | default | secret | what it is |', '|---|---|---|---|---|---|'];
for (const key of settingKeys) {
  const s = settings[key];
  const flag = s.flag ? `\`--${s.flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}\`` : '';
  const env = s.env.map((e) => `\`${e}\``).join(', ');
  lines.push(`| \`${key}\` | ${env} | ${flag} | ${defaultOf(s.schema) ? `\`${defaultOf(s.schema)}\`` : ''} | ${s.secret ? 'yes' : ''} | ${s.description} |`);
}
console.log(lines.join('\n'));

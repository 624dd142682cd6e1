import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';

const cache = new Map<string, string>();

/** Reads `sql/<name>.sql` from the package, once. Names are fixed in code, never user input. */
export function loadSql(name: string): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(join(packageRoot(), 'sql', `${name}.sql`), 'utf8');
    cache.set(name, text);
  }
  return text;
}

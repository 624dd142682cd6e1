import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../errors.js';
import { LOCK_FILE } from './lock.js';

/**
 * Kept in the folder next to PGlite's own files (the folder IS PGlite's data directory, so a
 * PGlite data-directory dump carries it along and a restored folder opens as ready).
 */
export const META_FILE = 'mcpops.meta';

const OWN_FILES = new Set([META_FILE, `${META_FILE}.tmp`, LOCK_FILE]);

/**
 * What mcpops knows about an embedded folder. `initialising` is written before the first start
 * creates anything, `ready` only after the schema and sample data are committed, so a folder
 * whose first start was interrupted is recognised and rebuilt, never served.
 */
export interface EmbeddedMeta {
  format: 1;
  state: 'initialising' | 'ready';
  scale: string;
  createdAt: string;
  readyAt?: string;
  /** Seconds the first start took (schema + sample data). */
  initSeconds?: number;
}

export function readEmbeddedMeta(dir: string): EmbeddedMeta | undefined {
  const path = join(dir, META_FILE);
  if (!existsSync(path)) return undefined;
  let meta: Partial<EmbeddedMeta> | undefined;
  try {
    meta = JSON.parse(readFileSync(path, 'utf8')) as Partial<EmbeddedMeta>;
  } catch {
    // handled below: never guess (and never wipe) on a meta file we cannot read
  }
  if (meta?.format === 1 && (meta.state === 'initialising' || meta.state === 'ready'))
    return meta as EmbeddedMeta;
  throw new ConfigError(`${path} is not a valid mcpops meta file`, {
    code: 'embedded_meta_invalid',
    suggestion: 'Restore the folder from a backup, or remove it to start over with fresh sample data.',
  });
}

/** Written to a temporary file and renamed, so a crash never leaves half a meta file. */
export function writeEmbeddedMeta(dir: string, meta: EmbeddedMeta): void {
  const path = join(dir, META_FILE);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(meta, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

/** Refuses a folder holding anything mcpops did not put there (other files and no meta file). */
export function assertOwnFolder(dir: string): void {
  if (existsSync(join(dir, META_FILE))) return;
  const foreign = readdirSync(dir).filter((name) => !OWN_FILES.has(name));
  if (foreign.length > 0) {
    throw new ConfigError(`${dir} is not empty and was not created by mcpops (no ${META_FILE})`, {
      code: 'embedded_foreign_folder',
      suggestion:
        'Point --embedded-dir / MCPOPS_EMBEDDED_DIR at an empty or new folder, or remove that folder to start over.',
    });
  }
}

/**
 * Empties a folder whose first start did not finish, keeping our lock. Safe because a first
 * start only ever begins in an empty folder (see assertOwnFolder).
 */
export function clearInterruptedFolder(dir: string): void {
  for (const name of readdirSync(dir)) {
    if (name !== LOCK_FILE) rmSync(join(dir, name), { recursive: true, force: true });
  }
}

import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { OperationError, UnavailableError } from '../../errors.js';
import type { BackupStore, StoredEntry } from './store.js';

const TEMP_MARK = '.tmp-';

/** A folder target: objects are written under a temp name and renamed when complete. */
export async function openFolderStore(root: string, options: { create?: boolean }): Promise<BackupStore> {
  try {
    if (options.create) await mkdir(root, { recursive: true });
    const info = await stat(root);
    if (!info.isDirectory()) throw new Error('not a directory');
  } catch (error) {
    throw new UnavailableError(`backup folder ${root} is not usable: ${(error as Error).message}`, {
      code: 'backup_storage_unreachable',
      suggestion: 'Create the folder (or run a backup to it first) and check its permissions.',
      cause: error,
    });
  }
  const path = (key: string) => join(root, ...key.split('/'));

  async function write(key: string, source: Readable, signal?: AbortSignal): Promise<void> {
    const final = path(key);
    const temp = `${final}${TEMP_MARK}${randomBytes(4).toString('hex')}`;
    await mkdir(dirname(final), { recursive: true });
    try {
      await pipeline(source, createWriteStream(temp), { signal });
      await rename(temp, final);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async function walk(dir: string, out: StoredEntry[]): Promise<void> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const name of names) {
      const full = join(dir, name);
      const info = await stat(full).catch(() => undefined);
      if (!info) continue;
      if (info.isDirectory()) await walk(full, out);
      else
        out.push({ key: relative(root, full).split(sep).join('/'), size: info.size, modified: info.mtime });
    }
  }

  return {
    where: root,
    write,
    async read(key) {
      const stream = createReadStream(path(key));
      await new Promise<void>((resolve, reject) => {
        stream.once('open', () => resolve());
        stream.once('error', (error) =>
          reject(
            new OperationError(`object ${key} is missing from ${root}`, {
              code: 'backup_object_missing',
              suggestion: 'The backup is damaged; restore another one (`mcpops backup list`).',
              cause: error,
            }),
          ),
        );
      });
      return stream;
    },
    async stat(key) {
      const info = await stat(path(key)).catch(() => undefined);
      return info ? { key, size: info.size, modified: info.mtime } : undefined;
    },
    async list(prefix) {
      const out: StoredEntry[] = [];
      await walk(path(prefix), out);
      return out;
    },
    async remove(key) {
      await rm(path(key), { force: true });
    },
    async writeText(key, text) {
      const final = path(key);
      const temp = `${final}${TEMP_MARK}${randomBytes(4).toString('hex')}`;
      await mkdir(dirname(final), { recursive: true });
      await writeFile(temp, text);
      await rename(temp, final);
    },
    async readText(key) {
      return readFile(path(key), 'utf8');
    },
  };
}

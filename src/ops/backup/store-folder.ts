import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import {
  link,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  rmdir,
  stat,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { OperationError, UnavailableError } from '../../errors.js';
import { pidAlive } from './manifest.js';
import type { BackupStore, HeldLease, LeaseAttempt, LeaseHolder, StoredEntry } from './store-types.js';

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

  /** The holder in a lease file and whether it is provably gone (dead here, or no heartbeat). */
  async function readLease(file: string, ttlMs: number) {
    const [text, info] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    let holder: Partial<LeaseHolder> = {};
    try {
      holder = JSON.parse(text) as LeaseHolder;
    } catch {
      // written by link() whole, so unreadable means foreign: judged by its heartbeat alone
    }
    const dead = holder.host === hostname() && typeof holder.pid === 'number' && !pidAlive(holder.pid);
    return { holder, stale: dead || Date.now() - info.mtimeMs > ttlMs };
  }

  /**
   * A lock file created whole and atomically (link of a complete temp file fails if it exists);
   * the heartbeat touches its mtime. A stale lock is replaced under a second exclusive lock, so
   * two runs never both take it over.
   */
  async function tryLease(key: string, holder: LeaseHolder, ttlMs: number): Promise<LeaseAttempt> {
    const file = path(key);
    const temp = `${file}${TEMP_MARK}${randomBytes(4).toString('hex')}`;
    await writeFile(temp, JSON.stringify(holder));
    try {
      const take = async () => {
        try {
          await link(temp, file);
          return true;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
          throw error;
        }
      };
      if (await take()) return { held: heldLease(file, holder) };
      const current = await readLease(file, ttlMs).catch(() => undefined);
      if (!current) return (await take()) ? { held: heldLease(file, holder) } : { busy: {} };
      if (!current.stale) return { busy: current.holder };
      const guard = `${file}.takeover`;
      const guardInfo = await stat(guard).catch(() => undefined);
      if (guardInfo && Date.now() - guardInfo.mtimeMs > ttlMs) await rm(guard, { force: true });
      const handle = await open(guard, 'wx').catch(() => undefined);
      if (!handle) return { busy: current.holder };
      try {
        const again = await readLease(file, ttlMs).catch(() => undefined);
        if (again && (!again.stale || again.holder.token !== current.holder.token))
          return { busy: again.holder };
        await rm(file, { force: true });
        return (await take()) ? { held: heldLease(file, holder) } : { busy: {} };
      } finally {
        await handle.close();
        await rm(guard, { force: true });
      }
    } finally {
      await rm(temp, { force: true });
    }
  }

  function heldLease(file: string, holder: LeaseHolder): HeldLease {
    const mine = async () => {
      const text = await readFile(file, 'utf8').catch(() => '');
      return text.includes(holder.token);
    };
    return {
      async renew() {
        if (!(await mine())) throw new Error('the lease file now belongs to another run');
        const now = new Date();
        await utimes(file, now, now);
      },
      async release() {
        if (await mine()) await rm(file, { force: true });
      },
    };
  }

  return {
    where: root,
    write,
    tryLease,
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
      // A run's objects share one folder (objects/<run>/): the last one out takes it along, so
      // a failed or expired run leaves no empty folder behind. Top-level folders stay.
      if (key.split('/').length > 2) await rmdir(dirname(path(key))).catch(() => {});
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

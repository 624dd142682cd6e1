import { closeSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { UnavailableError } from '../../errors.js';

/** Written while a process serves the folder: line 1 its pid, line 2 the embedded worker's pid. */
export const LOCK_FILE = 'mcpops.lock';

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid < 1) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPids(dir: string): number[] {
  try {
    return readFileSync(join(dir, LOCK_FILE), 'utf8')
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((pid) => Number.isInteger(pid) && pid > 0);
  } catch {
    return [];
  }
}

/**
 * The pid of the live process serving the embedded folder `dir`, or undefined when none does
 * (no lock, or a stale lock left by a process that died). A worker that outlived its parent
 * still counts: it holds the data files until its current query ends.
 */
export function embeddedLockHolder(dir: string): number | undefined {
  return readPids(dir).find(isAlive);
}

export interface EmbeddedLock {
  /** Records the current worker's pid next to ours. */
  setWorkerPid(pid: number | undefined): void;
  release(): void;
}

function inUse(dir: string, pid: number): UnavailableError {
  return new UnavailableError(`the embedded database at ${dir} is in use by process ${pid}`, {
    code: 'embedded_in_use',
    suggestion: `Stop that process (e.g. the running \`mcpops serve\`), or point this command at another folder with --embedded-dir / MCPOPS_EMBEDDED_DIR.`,
  });
}

/** Takes the folder's lock for this process; a stale lock (dead pids) is taken over. */
export function acquireEmbeddedLock(dir: string): EmbeddedLock {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = embeddedLockHolder(dir);
      if (holder !== undefined) throw inUse(dir, holder);
      rmSync(path, { force: true });
      continue;
    }
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    let released = false;
    return {
      setWorkerPid(pid) {
        if (!released) writeFileSync(path, `${process.pid}\n${pid ?? ''}\n`);
      },
      release() {
        if (released) return;
        released = true;
        if (readPids(dir)[0] === process.pid) rmSync(path, { force: true });
      },
    };
  }
  throw inUse(dir, embeddedLockHolder(dir) ?? 0);
}

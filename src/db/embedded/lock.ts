import { closeSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { UnavailableError } from '../../errors.js';

/**
 * Written while a process serves the folder: line 1 its pid, line 2 the embedded worker's pid,
 * line 3 the loopback port of its session broker (where other processes attach).
 */
export const LOCK_FILE = 'mcpops.lock';

/** A killed process its parent has not reaped yet (Linux): gone, though signals still reach it. */
function isZombie(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /s, '')
      .startsWith('Z');
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid < 1) return false;
  try {
    process.kill(pid, 0);
    return !isZombie(pid);
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLines(dir: string): number[] {
  try {
    return readFileSync(join(dir, LOCK_FILE), 'utf8')
      .split('\n')
      .map((line) => Number(line.trim()));
  } catch {
    return [];
  }
}

function readPids(dir: string): number[] {
  return readLines(dir)
    .slice(0, 2)
    .filter((pid) => Number.isInteger(pid) && pid > 0);
}

/** The live process owning the folder and its broker's port, once it has one. */
export function embeddedOwner(dir: string): { pid: number; port: number } | undefined {
  const [pid, , port] = readLines(dir);
  if (!isAlive(pid) || !Number.isInteger(port) || port < 1) return undefined;
  return { pid, port };
}

/**
 * The pid of the live process serving the embedded folder `dir`, or undefined when none does
 * (no lock, or a stale lock left by a process that died). A worker that outlived its parent
 * still counts: it holds the data files until its current query ends.
 */
export function embeddedLockHolder(dir: string): number | undefined {
  return readPids(dir).find(isAlive);
}

/** The lock names a database worker (line 2) that is still running: its owner is starting or going. */
export function embeddedWorkerAlive(dir: string): boolean {
  return isAlive(readLines(dir)[1]);
}

export interface EmbeddedLock {
  /** Records the current worker's pid next to ours. */
  setWorkerPid(pid: number | undefined): void;
  /** Records the port other processes attach to. */
  setBrokerPort(port: number): void;
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
    let worker: number | undefined;
    let port: number | undefined;
    const write = () => {
      if (!released) writeFileSync(path, `${process.pid}\n${worker ?? ''}\n${port ?? ''}\n`);
    };
    return {
      setWorkerPid(pid) {
        worker = pid;
        write();
      },
      setBrokerPort(next) {
        port = next;
        write();
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

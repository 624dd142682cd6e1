import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import type { Secret } from '../../config/secret.js';
import { libpqEnvironment } from '../../db/connection.js';
import { ConfigError, OperationError } from '../../errors.js';

export type PgTool = 'pg_dump' | 'psql';

export interface PgTools {
  pgDump: string;
  psql: string;
  /** e.g. "16.4" */
  version: string;
  major: number;
}

function installHint(serverMajor: number): string {
  return (
    `Install the PostgreSQL ${serverMajor} client tools (or newer): \`apt-get install postgresql-client-${serverMajor}\` ` +
    '(from the PGDG apt repository, https://www.postgresql.org/download/linux/), `brew install postgresql@' +
    `${serverMajor}\`, or pass --pg-bin /usr/lib/postgresql/${serverMajor}/bin.`
  );
}

async function findOnPath(name: string, pgBin: string | undefined): Promise<string | undefined> {
  const dirs = pgBin ? [pgBin] : (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}

export function parsePgVersion(output: string): { version: string; major: number } | undefined {
  const match = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(output);
  if (!match) return undefined;
  return { version: `${match[1]}${match[2] ? `.${match[2]}` : ''}`, major: Number(match[1]) };
}

/** pg_dump and psql from --pg-bin or PATH, at least the server's major version (pg_dump refuses newer servers). */
export async function findPgTools(serverMajor: number, pgBin?: string): Promise<PgTools> {
  const where = pgBin ? `in ${pgBin}` : 'on PATH';
  const pgDump = await findOnPath('pg_dump', pgBin);
  const psql = await findOnPath('psql', pgBin);
  if (!pgDump || !psql) {
    throw new ConfigError(`${pgDump ? 'psql' : 'pg_dump'} was not found ${where}`, {
      code: 'pg_dump_missing',
      suggestion: installHint(serverMajor),
    });
  }
  let output = '';
  try {
    output = (await promisify(execFile)(pgDump, ['--version'], { timeout: 10_000 })).stdout;
  } catch (error) {
    throw new ConfigError(`${pgDump} --version failed`, {
      code: 'pg_dump_broken',
      suggestion: installHint(serverMajor),
      cause: error,
    });
  }
  const parsed = parsePgVersion(output);
  if (!parsed) {
    throw new ConfigError(`cannot read the version of ${pgDump} ("${output.trim().slice(0, 80)}")`, {
      code: 'pg_dump_broken',
      suggestion: installHint(serverMajor),
    });
  }
  if (parsed.major < serverMajor) {
    throw new ConfigError(
      `pg_dump ${parsed.version} ${where} is older than the server (PostgreSQL ${serverMajor}); it cannot dump it`,
      { code: 'pg_dump_too_old', suggestion: installHint(serverMajor) },
    );
  }
  return { pgDump, psql, ...parsed };
}

/**
 * libpq environment for a URL, so the password never appears on a command line (ps shows those).
 */
export function libpqEnv(url: Secret, database?: string): NodeJS.ProcessEnv {
  return libpqEnvironment(url, { database, applicationName: 'mcpops-backup' });
}

export interface Child {
  process: ChildProcess;
  /** Resolves when the process exits 0; rejects naming the step and the last stderr lines otherwise. */
  done: Promise<void>;
  /** Ends the process if it still runs (SIGTERM) and resolves once it has exited. */
  stop(): Promise<void>;
}

/**
 * Spawns a tool; its exit code is checked on its own (a pipeline would hide it). Aborting the
 * signal ends the process, and `done` then rejects with the signal's reason.
 */
export function runTool(
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; step: string; signal?: AbortSignal; stdin?: 'pipe' | 'ignore' },
): Child {
  const child = spawn(command, args, {
    env: options.env,
    stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
    signal: options.signal,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => {
    child.once('close', () => resolve());
    child.once('error', () => {
      if (child.pid === undefined) resolve();
    });
  });
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (error) => {
      if (options.signal?.aborted) return reject(options.signal.reason ?? error);
      reject(
        new OperationError(`${options.step}: ${command} could not run: ${error.message}`, {
          code: 'backup_tool_failed',
          cause: error,
        }),
      );
    });
    child.once('close', (code, signal) => {
      if (code === 0) return resolve();
      if (options.signal?.aborted) return reject(options.signal.reason);
      const tail = stderr.trim().split('\n').slice(-3).join(' | ');
      reject(
        new OperationError(
          `${options.step} failed: ${command.split('/').pop()} exited with ${code ?? signal}${tail ? `: ${tail}` : ''}`,
          { code: 'backup_tool_failed' },
        ),
      );
    });
  });
  done.catch(() => {});
  return {
    process: child,
    done,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

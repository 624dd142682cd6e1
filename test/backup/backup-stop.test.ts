import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/**
 * One failing table dump must end every other dump of the same run at once: a pg_dump left
 * running keeps its snapshot's transaction open on the server and, once the run has cleaned up,
 * writes into nothing. The real pg_dump runs behind a wrapper that fails for one table and, for
 * another, keeps running long after its rows are out.
 */

let db: TestDatabase;
let work: string;
let bin: string;
let pids: string;

function realTool(name: string): string {
  const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  return join(dir, name);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function startedPids(): Promise<number[]> {
  const text = await readFile(pids, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map(Number);
}

async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

beforeAll(async () => {
  db = await createTestDatabase('mcpops_bstop');
  await db.admin.query(`
    CREATE TABLE public.failing (id int PRIMARY KEY, v text);
    CREATE TABLE public.slow (id int PRIMARY KEY, v text);
    INSERT INTO public.failing SELECT g, 'f' || g FROM generate_series(1, 100) g;
    INSERT INTO public.slow SELECT g, 's' || g FROM generate_series(1, 100) g;
  `);
  work = await mkdtemp(join(tmpdir(), 'mcpops-bstop-'));
  bin = join(work, 'bin');
  pids = join(work, 'pids');
  await mkdir(bin);
  // The wrapper records each dump's pid; `exec` keeps that pid for the tool and the sleep, so a
  // SIGTERM to it reaches whatever runs.
  await writeFile(
    join(bin, 'pg_dump'),
    `#!/bin/sh
case "$*" in *--version*) exec "${realTool('pg_dump')}" "$@";; esac
echo $$ >> "${pids}"
case "$*" in
  *failing*) [ -e "${work}/fail" ] && { echo "pg_dump: error: simulated failure" >&2; exit 1; } ;;
  *slow*) [ -e "${work}/fail" ] && { "${realTool('pg_dump')}" "$@"; exec sleep 120; } ;;
esac
exec "${realTool('pg_dump')}" "$@"
`,
  );
  await writeFile(join(bin, 'psql'), `#!/bin/sh\nexec "${realTool('psql')}" "$@"\n`);
  await Promise.all(['pg_dump', 'psql'].map((tool) => chmod(join(bin, tool), 0o755)));
});

afterAll(async () => {
  for (const pid of await startedPids()) if (alive(pid)) process.kill(pid, 'SIGKILL');
  await db?.drop();
  await rm(work, { recursive: true, force: true });
});

describe('a failed table dump ends the whole run', () => {
  for (const type of ['full', 'incremental'] as const) {
    it(`${type}: exits 2 promptly, no dump left running, nothing new stored`, async () => {
      const target = join(work, `out-${type}`);
      const env = { DATABASE_URL: db.url };
      if (type === 'incremental') {
        const full = await runCli(['backup', '--target', target, '--pg-bin', bin, '--type', 'full'], { env });
        expect(full.code, full.stderr).toBe(0);
        await db.admin.query("UPDATE public.failing SET v = v || '!'; UPDATE public.slow SET v = v || '!'");
      }
      const before = await files(target);
      await writeFile(join(work, 'fail'), '');
      await writeFile(pids, '');
      const started = Date.now();
      const run = await runCli(
        ['backup', '--target', target, '--pg-bin', bin, '--type', type, '--jobs', '2', '--json'],
        { env, timeoutMs: 90_000 },
      );
      const seconds = (Date.now() - started) / 1000;
      await rm(join(work, 'fail'));
      expect(run.code, run.stderr).toBe(ExitCode.failure);
      expect(run.json().error.message).toMatch(/simulated failure/);
      expect(seconds).toBeLessThan(30);
      const dumps = await startedPids();
      expect(dumps.length).toBeGreaterThan(1);
      expect(dumps.filter(alive)).toEqual([]);
      expect(await files(target)).toEqual(before);
      // Not even an empty folder of the failed run is left.
      const runs = await readdir(join(target, 'objects')).catch(() => []);
      expect(runs.length).toBe(type === 'full' ? 0 : 1);
      // The server forgets a closed backend a moment after the client has gone.
      let open = -1;
      for (let i = 0; i < 50 && open !== 0; i++) {
        if (i) await new Promise((resolve) => setTimeout(resolve, 100));
        const result = await db.admin.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'mcpops-backup'",
        );
        open = result.rows[0].n;
      }
      expect(open).toBe(0);
    });
  }
});

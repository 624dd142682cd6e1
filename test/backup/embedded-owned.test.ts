import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedDatabase } from '../../src/db/embedded/index.js';
import { embeddedLockHolder } from '../../src/db/embedded/lock.js';
import type { Database } from '../../src/db/open.js';
import { STORES } from '../../src/db/stores.js';
import { runBackup } from '../../src/ops/backup/index.js';
import {
  embeddedConfig,
  FIRST_START_TIMEOUT_MS,
  tinySchema,
  waitFor,
  workerPid,
} from '../embedded/support.js';
import { callTool, RETAIL_TABLES } from '../serve/support.js';
import { runCli } from '../support/cli.js';
import { exitWithin, startCli } from './restore-helpers.js';

/**
 * `mcpops backup` of an embedded folder a running `serve` owns: the owner takes the backup in its
 * broker's exclusive turn and streams it; real processes throughout.
 */

let work: string;
let data: string;
const servers: Array<{ client: Client; pid: number }> = [];

const env = () => ({ HOME: work, MCPOPS_EMBEDDED_DIR: data, MCPOPS_EMBEDDED_SCALE: 'tiny' });

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mcpops-owned-backup-'));
  data = join(work, 'data');
});
afterAll(async () => {
  for (const s of servers) await s.client.close().catch(() => {});
  if (work) await rm(work, { recursive: true, force: true });
});

async function startServe(): Promise<{ client: Client; pid: number; stop(): Promise<void> }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [join(import.meta.dirname, '../../bin/mcpops.js'), 'serve', '--store', STORES[0].name],
    env: { PATH: process.env.PATH ?? '', CI: 'true', ...env() },
    cwd: work,
    stderr: 'pipe',
  });
  transport.stderr?.on('data', () => {});
  const client = new Client({ name: 'owned-backup-test', version: '0.0.0' });
  await client.connect(transport, { timeout: FIRST_START_TIMEOUT_MS });
  const server = { client, pid: transport.pid as number };
  servers.push(server);
  return {
    ...server,
    async stop() {
      await client.close();
      // The folder is free once serve and its worker are gone.
      expect(await waitFor(() => embeddedLockHolder(data) === undefined, 30_000)).toBe(true);
    },
  };
}

let call = 0;
/** A different statement each time, so serve's result cache never answers for the database. */
const countOrders = (client: Client) =>
  callTool(client, 'execute_sales_query', {
    postgresql_query: `SELECT count(*) FROM retail.orders WHERE order_id <> ${-++call}`,
  });

/** Every user table's row count and an md5 over its rows, read straight from a folder. */
async function folderSums(dir: string, tables: string[]): Promise<Record<string, string>> {
  const db = new PGlite(dir, { extensions: { vector } });
  try {
    const sums: Record<string, string> = {};
    for (const table of tables) {
      const { rows } = await db.query<{ sum: string }>(
        `SELECT count(*)::text || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') AS sum FROM ${table} t`,
      );
      sums[table] = rows[0].sum;
    }
    return sums;
  } finally {
    await db.close();
  }
}

/** The files under `path`. */
const listing = async (path: string) =>
  (await readdir(path, { recursive: true, withFileTypes: true }).catch(() => []))
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(path.length + 1));

/** The object is opened once the owner has accepted the request; the copy runs from then on. */
async function copyStarted(backups: string): Promise<void> {
  const until = Date.now() + 60_000;
  while (!(await listing(join(backups, 'objects'))).some((f) => f.includes('embedded-datadir'))) {
    if (Date.now() > until) throw new Error('the backup did not start');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function restoreInto(backups: string, folder: string): Promise<void> {
  const restored = await runCli(['restore', 'latest', '--from', backups, '--target', folder, '--json'], {
    env: env(),
    cwd: work,
    timeoutMs: 120_000,
  });
  expect(restored.code, restored.stdout + restored.stderr).toBe(0);
  expect(restored.json().ok).toBe(true);
}

const retail = RETAIL_TABLES.map((t) => `retail.${t}`);

describe('backup of an embedded folder a running serve owns', () => {
  it(
    'is taken by the owner while serve keeps answering, and restores to the same rows',
    async () => {
      const serve = await startServe();
      const answers: Array<{ at: number; error?: string }> = [];
      let running = true;
      const load = (async () => {
        while (running) {
          const answer = await countOrders(serve.client);
          answers.push({ at: Date.now(), ...(answer.isError ? { error: answer.text } : {}) });
        }
      })();
      const backups = join(work, 'backups-a');
      const startedAt = Date.now();
      const run = await runCli(['backup', '--target', backups, '--json'], {
        env: env(),
        cwd: work,
        timeoutMs: 120_000,
      });
      const endedAt = Date.now();
      running = false;
      await load;
      expect(run.code, run.stdout + run.stderr).toBe(0);
      const summary = run.json().backup;
      expect(summary).toMatchObject({ engine: 'embedded', type: 'full' });
      expect(answers.filter((a) => a.error)).toEqual([]);
      expect(answers.filter((a) => a.at > startedAt && a.at < endedAt).length).toBeGreaterThan(0);
      // serve still answers after the backup.
      expect((await countOrders(serve.client)).isError).toBe(false);
      // Restoring over the folder serve owns is still refused.
      const over = await runCli(
        ['restore', 'latest', '--from', backups, '--target', data, '--clean', '--yes', '--json'],
        { env: env(), cwd: work, timeoutMs: 120_000 },
      );
      expect(over.code, over.stdout + over.stderr).toBe(69);
      expect(over.json().error.message).toMatch(/in use by process \d+/);
      await serve.stop();

      const truth = await folderSums(data, retail);
      const restored = join(work, 'restored-a');
      await restoreInto(backups, restored);
      expect(await folderSums(restored, retail)).toEqual(truth);
      // The manifest's row counts are those of the data it holds.
      const manifestName = (await readdir(join(backups, 'manifests')))[0];
      const { readFile } = await import('node:fs/promises');
      const manifest = JSON.parse(await readFile(join(backups, 'manifests', manifestName), 'utf8'));
      for (const table of retail)
        expect(manifest.tables.find((t: { name: string }) => t.name === table)?.rows).toBe(
          Number(truth[table].split(':')[0]),
        );
    },
    FIRST_START_TIMEOUT_MS * 2,
  );

  it(
    'holds a point between transactions while another process writes',
    async () => {
      const serve = await startServe();
      let mine: Database | undefined = await openEmbeddedDatabase(await embeddedConfig(data), {
        kind: 'embedded',
        dir: data,
      });
      await mine.pool.query('CREATE TABLE public.ledger (batch int NOT NULL, part int NOT NULL)');
      // Each transaction writes three rows with pauses between them: a dump taken inside one shows
      // a batch with fewer than three parts.
      let batches = 0;
      let running = true;
      const pool = mine.pool;
      const writer = (async () => {
        while (running) {
          const client = await pool.connect();
          try {
            await client.query('BEGIN');
            for (let part = 1; part <= 3; part++) {
              await client.query('INSERT INTO public.ledger VALUES ($1, $2)', [batches + 1, part]);
              await new Promise((r) => setTimeout(r, 15));
            }
            await client.query('COMMIT');
            batches++;
          } finally {
            client.release();
          }
        }
      })();
      expect(await waitFor(() => batches >= 5, 30_000)).toBe(true);
      const backups = join(work, 'backups-b');
      const run = await runCli(['backup', '--target', backups, '--json'], {
        env: env(),
        cwd: work,
        timeoutMs: 120_000,
      });
      running = false;
      await writer;
      expect(run.code, run.stdout + run.stderr).toBe(0);
      await mine.close();
      mine = undefined;
      await serve.stop();

      const restored = join(work, 'restored-b');
      await restoreInto(backups, restored);
      const db = new PGlite(restored, { extensions: { vector } });
      try {
        const torn = await db.query(
          'SELECT batch FROM public.ledger GROUP BY batch HAVING count(*) <> 3 OR array_agg(part ORDER BY part) <> ARRAY[1,2,3]',
        );
        expect(torn.rows).toEqual([]);
        const kept = (
          await db.query<{ n: number }>('SELECT count(DISTINCT batch)::int AS n FROM public.ledger')
        ).rows[0].n;
        // Writes went on before and after the point the backup holds.
        expect(kept).toBeGreaterThanOrEqual(5);
        expect(kept).toBeLessThan(batches);
        const manifestName = (await readdir(join(backups, 'manifests')))[0];
        const { readFile } = await import('node:fs/promises');
        const manifest = JSON.parse(await readFile(join(backups, 'manifests', manifestName), 'utf8'));
        expect(manifest.tables.find((t: { name: string }) => t.name === 'public.ledger')?.rows).toBe(
          kept * 3,
        );
      } finally {
        await db.close();
      }
    },
    FIRST_START_TIMEOUT_MS * 2,
  );

  it(
    'fails with one line and keeps nothing when the owner is killed during the dump; the next backup works',
    async () => {
      // The folder as serve builds it, plus enough data that the dump lasts long enough to be
      // caught from outside.
      await (await startServe()).stop();
      const filler = await PGliteFill(data);
      expect(filler).toBeGreaterThan(0);
      const serve = await startServe();
      const backups = join(work, 'backups-c');
      const cli = startCli(['backup', '--target', backups, '--json'], env());
      await copyStarted(backups);
      // Past the request's arrival, well inside the checkpoint and tarball (seconds at this size).
      await new Promise((r) => setTimeout(r, 200));
      process.kill(serve.pid, 'SIGKILL');
      const code = await exitWithin(cli, 60_000);
      expect([69, 2], cli.stderr()).toContain(code);
      const error = JSON.parse(cli.stdout()).error;
      expect(error.message).not.toContain('\n');
      expect(error.message).toMatch(/process \d+/);
      expect((await listing(backups)).filter((f) => /^(manifests|runs|objects)\/./.test(f))).toEqual([]);

      // Nobody owns the folder now: the next backup opens it directly and succeeds.
      const again = await runCli(['backup', '--target', backups, '--json'], {
        env: env(),
        cwd: work,
        timeoutMs: 120_000,
      });
      expect(again.code, again.stdout + again.stderr).toBe(0);
      const restored = join(work, 'restored-c');
      await restoreInto(backups, restored);
      expect(await folderSums(restored, ['public.filler'])).toEqual(
        await folderSums(data, ['public.filler']),
      );
    },
    FIRST_START_TIMEOUT_MS * 2,
  );
});

describe('Ctrl-C during a backup the owner is copying', () => {
  it(
    'exits 130 within seconds, keeps nothing, and serve goes on answering',
    async () => {
      // The folder still holds the filler of the test before, so the copy lasts seconds.
      const serve = await startServe();
      const backups = join(work, 'backups-int');
      const cli = startCli(['backup', '--target', backups, '--json'], env());
      await copyStarted(backups);
      const interruptedAt = Date.now();
      cli.child.kill('SIGINT');
      const code = await exitWithin(cli, 30_000);
      expect(code, cli.stderr()).toBe(130);
      expect(Date.now() - interruptedAt).toBeLessThan(10_000);
      expect((await listing(backups)).filter((f) => /^(manifests|runs|objects)\/./.test(f))).toEqual([]);
      const answer = await countOrders(serve.client);
      expect(answer.isError, answer.text).toBe(false);
      await serve.stop();
    },
    FIRST_START_TIMEOUT_MS * 2,
  );
});

describe('a backup copy in the owning process', () => {
  it(
    'a statement that times out waiting behind the copy fails alone: the worker is not restarted',
    async () => {
      const dir = join(work, 'inproc');
      const config = await embeddedConfig(dir, { MCPOPS_STATEMENT_TIMEOUT_MS: '300' });
      const db = await openEmbeddedDatabase(
        config,
        { kind: 'embedded', dir },
        {
          initialise: async (pool) => {
            await tinySchema(config)(pool);
            await pool.query(FILL);
          },
        },
      );
      try {
        const worker = await workerPid(dir);
        const backups = join(work, 'backups-d');
        const backup = runBackup(config, { target: backups, compression: 'zstd', jobs: 1, retention: {} });
        const until = Date.now() + 60_000;
        while (!(await listing(join(backups, 'objects'))).some((f) => f.includes('embedded-datadir')))
          if (Date.now() > until) throw new Error('the backup did not start');
          else await new Promise((r) => setTimeout(r, 10));
        await new Promise((r) => setTimeout(r, 200));
        // Queued behind the copy past its 300 ms: it times out, and the copy goes on.
        await expect(db.pool.query('SELECT count(*) FROM retail.orders')).rejects.toMatchObject({
          code: '57014',
        });
        const run = await backup;
        expect(run.manifest?.tables.find((t) => t.name === 'public.filler')?.rows).toBe(FILL_ROWS);
        expect(await workerPid(dir)).toBe(worker);
        expect((await db.pool.query('SELECT count(*)::int AS n FROM public.filler')).rows[0].n).toBe(
          FILL_ROWS,
        );
      } finally {
        await db.close();
      }
    },
    FIRST_START_TIMEOUT_MS,
  );
});

const FILL_ROWS = 60000;
/** Incompressible rows (about 30 MB of tarball): the copy takes seconds. */
const FILL = `
  CREATE TABLE public.filler (id int PRIMARY KEY, pad text NOT NULL);
  INSERT INTO public.filler
    SELECT g, string_agg(md5(random()::text || g || i), '') FROM generate_series(1, ${FILL_ROWS}) g, generate_series(1, 8) i GROUP BY g;
`;

/** Adds a table of incompressible rows to the (free) folder; returns its size in bytes. */
async function PGliteFill(dir: string): Promise<number> {
  expect(embeddedLockHolder(dir)).toBeUndefined();
  const db = new PGlite(dir, { extensions: { vector } });
  try {
    await db.exec(FILL);
    const { rows } = await db.query<{ n: number }>(
      "SELECT pg_total_relation_size('public.filler')::int AS n",
    );
    return rows[0].n;
  } finally {
    await db.close();
  }
}

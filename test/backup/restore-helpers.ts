import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { runBackup } from '../../src/ops/backup/index.js';
import { type Azurite, startAzurite } from '../support/azurite.js';
import { CLI } from '../support/cli.js';
import { adminUrl } from '../support/database.js';
import { createZavaTestDatabase, type ZavaTestDatabase } from '../support/zava.js';
import { configFor, dropDatabase } from './helpers.js';

/** Store 1 as the reader sees it: its id and the identity serve would set for it. */
export interface StoreIdentity {
  storeId: number;
  rlsUserId: string;
}

/**
 * A retail table big enough that each restore phase (rows, index build) lasts long enough to
 * be caught from outside, secured like the Zava tables (row security, forced, a store policy,
 * SELECT for the reader).
 */
export async function addFiller(zava: ZavaTestDatabase, rows: number): Promise<StoreIdentity> {
  await zava.admin.query(`
    CREATE TABLE retail.filler (id int PRIMARY KEY, store_id int NOT NULL, pad text NOT NULL);
    INSERT INTO retail.filler SELECT g, (g % 8) + 1, repeat(md5(g::text), 3) FROM generate_series(1, ${rows}) g;
    CREATE INDEX filler_pad ON retail.filler (pad, store_id);
    ALTER TABLE retail.filler ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
    CREATE POLICY zava_store_read ON retail.filler FOR SELECT TO PUBLIC
      USING (store_id = ANY ((SELECT retail.rls_store_ids())::integer[]));
    GRANT SELECT ON retail.filler TO ${zava.readerRole};
  `);
  const store = await zava.admin.query<{ store_id: number; rls_user_id: string }>(
    'SELECT store_id, rls_user_id::text FROM retail.stores ORDER BY store_id LIMIT 1',
  );
  return { storeId: store.rows[0].store_id, rlsUserId: store.rows[0].rls_user_id };
}

const STORE_TABLES = ['orders', 'order_items', 'inventory', 'filler'];

/**
 * What the reader role can see in a database: retail tables it may select from whose row
 * security is not enabled, forced and backed by a policy (from the catalog), and rows of other
 * stores it actually reads as `store` (permission errors count as nothing read).
 */
export async function exposure(
  database: string,
  reader: string,
  store: StoreIdentity,
): Promise<{ open: string[]; foreignRows: number; tables: number }> {
  const client = new pg.Client({ connectionString: adminUrl(database) });
  client.on('error', () => {});
  await client.connect();
  try {
    const open = await client.query<{ name: string }>(
      `SELECT c.relname AS name
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'retail' AND c.relkind IN ('r', 'p')
          AND has_schema_privilege($1, n.oid, 'USAGE') AND has_table_privilege($1, c.oid, 'SELECT')
          AND NOT (c.relrowsecurity AND c.relforcerowsecurity
                   AND EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid))
        ORDER BY 1`,
      [reader],
    );
    const tables = await client.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'retail' AND c.relkind = 'r'",
    );
    return {
      open: open.rows.map((r) => r.name),
      foreignRows: await foreignRows(client, reader, store),
      tables: tables.rows[0].n,
    };
  } finally {
    await client.end().catch(() => {});
  }
}

/** Rows of other stores that `reader` reads as `store` on this connection (errors read nothing). */
export async function foreignRows(client: pg.Client, reader: string, store: StoreIdentity): Promise<number> {
  let seen = 0;
  for (const table of STORE_TABLES) {
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL ROLE ${client.escapeIdentifier(reader)}`);
      await client.query("SELECT set_config('app.current_rls_user_id', $1, true)", [store.rlsUserId]);
      const r = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM retail.${client.escapeIdentifier(table)} WHERE store_id <> $1`,
        [store.storeId],
      );
      seen += r.rows[0].n;
    } catch {
      // no such table, no privilege, database gone: nothing read
    } finally {
      await client.query('ROLLBACK').catch(() => {});
    }
  }
  return seen;
}

/** Sessions in `database` whose query matches `pattern` (ILIKE). */
export async function activity(database: string, pattern: string): Promise<number> {
  const client = new pg.Client({ connectionString: adminUrl('postgres') });
  await client.connect();
  try {
    const r = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND query ILIKE $2 AND pid <> pg_backend_pid()',
      [database, pattern],
    );
    return r.rows[0].n;
  } finally {
    await client.end();
  }
}

/** Statements still running anywhere that name `database` as a DATABASE (DROP/CREATE DATABASE). */
export async function databaseDdl(database: string): Promise<number> {
  const client = new pg.Client({ connectionString: adminUrl('postgres') });
  await client.connect();
  try {
    const r = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE state = 'active' AND query ILIKE $1 AND pid <> pg_backend_pid()`,
      [`%DATABASE%${database}%`],
    );
    return r.rows[0].n;
  } finally {
    await client.end();
  }
}

export async function waitFor(check: () => Promise<boolean>, limitMs: number, what: string): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Child process ids of `pid` (from /proc), with their command names. Synchronous on purpose:
 * the libuv pool may be busy with the restore's own reads, and a sample must not wait on it.
 */
export function childrenOf(pid: number): Array<{ pid: number; name: string }> {
  const out: Array<{ pid: number; name: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat = '';
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const match = /^\d+ \((.*)\) \S+ (\d+)/.exec(stat);
    if (match && Number(match[2]) === pid) out.push({ pid: Number(entry), name: match[1] });
  }
  return out;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface RunningCli {
  child: ChildProcess;
  exited: Promise<number | null>;
  stdout(): string;
  stderr(): string;
  /** Every psql the CLI started so far (sampled while it runs). */
  psqlPids: Set<number>;
}

/** Starts the built CLI and keeps sampling which psql children it has. */
export function startCli(args: string[], env: Record<string, string>): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', CI: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c) => {
    stdout += c;
  });
  child.stderr?.on('data', (c) => {
    stderr += c;
  });
  const psqlPids = new Set<number>();
  let running = true;
  const sample = async () => {
    while (running) {
      for (const c of childrenOf(child.pid as number)) if (c.name === 'psql') psqlPids.add(c.pid);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  void sample();
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => {
      running = false;
      resolve(code ?? (signal ? -1 : null));
    }),
  );
  return { child, exited, stdout: () => stdout, stderr: () => stderr, psqlPids };
}

/** Waits for `exited` at most `limitMs`; returns the code, or 'timeout' (and kills the process). */
export async function exitWithin(cli: RunningCli, limitMs: number): Promise<number | null | 'timeout'> {
  const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), limitMs));
  const result = await Promise.race([cli.exited, timer]);
  if (result === 'timeout') {
    cli.child.kill('SIGKILL');
    for (const pid of cli.psqlPids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    await cli.exited;
  }
  return result;
}

/** Sessions left in `database` after a killed run, gone (psql sees EOF and the server ends them). */
export async function quiet(database: string): Promise<void> {
  await waitFor(async () => (await activity(database, '%')) === 0, 15_000, `no sessions in ${database}`);
}

/** A Zava source with the filler, backed up to a folder and to Azurite; drop() in afterAll. */
export interface RestoreSource {
  zava: ZavaTestDatabase;
  azurite: Azurite;
  dir: string;
  azureTarget: string;
  store: StoreIdentity;
  env: Record<string, string>;
  /** A database name for this file, dropped by drop(). */
  fresh(tag: string): string;
  drop(): Promise<void>;
}

export async function restoreSource(tag: string, fillerRows: number): Promise<RestoreSource> {
  const [zava, azurite] = await Promise.all([createZavaTestDatabase({ scale: 'tiny' }), startAzurite()]);
  const store = await addFiller(zava, fillerRows);
  const dir = await mkdtemp(join(tmpdir(), `mcpops-restore-${tag}-`));
  const env = { DATABASE_URL: zava.url, AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString };
  const azureTarget = `azure://database-backups/${tag}`;
  const config = await configFor(env);
  await runBackup(config, { target: dir, compression: 'zstd', jobs: 2, retention: {} });
  await runBackup(config, { target: azureTarget, compression: 'zstd', jobs: 2, retention: {} });
  const created: string[] = [];
  return {
    zava,
    azurite,
    dir,
    azureTarget,
    store,
    env,
    fresh(name) {
      created.push(`${zava.name}_${name}`);
      return `${zava.name}_${name}`;
    },
    async drop() {
      for (const name of created) await dropDatabase(name).catch(() => {});
      await zava.drop();
      await azurite.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

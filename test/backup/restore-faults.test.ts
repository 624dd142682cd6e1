import { mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import type { Azurite } from '../support/azurite.js';
import { runCli } from '../support/cli.js';
import { adminUrl } from '../support/database.js';
import type { ZavaTestDatabase } from '../support/zava.js';
import { configFor, databaseExists, restoreInto, tableChecksums } from './helpers.js';
import {
  activity,
  alive,
  exitWithin,
  exposure,
  type RestoreSource,
  restoreSource,
  type StoreIdentity,
  startCli,
  waitFor,
} from './restore-helpers.js';

let source: RestoreSource;
let zava: ZavaTestDatabase;
let azurite: Azurite;
let dir: string;
let store: StoreIdentity;
let env: Record<string, string>;
let AZURE_TARGET: string;
let tablesCopy = '';
const fresh = (tag: string) => source.fresh(tag);

beforeAll(async () => {
  source = await restoreSource('faults', 100_000);
  ({ zava, azurite, dir, store, env, azureTarget: AZURE_TARGET } = source);
}, 120_000);

afterAll(async () => {
  await source?.drop();
});

/** A copy of the source to restore over, as a live serve database would be. */
async function liveCopy(tag: string): Promise<string> {
  const name = fresh(tag);
  const config = await configFor(env);
  await restoreInto(config, dir, name);
  return name;
}

describe('restore under faults', () => {
  it('a reader polling as one store through a restore over its live database never sees another store', async () => {
    const live = await liveCopy('live');
    let polling = true;
    let reads = 0;
    let foreign = 0;
    const poll = (async () => {
      while (polling) {
        const client = new pg.Client({ connectionString: adminUrl(live) });
        client.on('error', () => {});
        try {
          await client.connect();
          while (polling) {
            await client.query('BEGIN');
            await client.query(`SET LOCAL ROLE ${zava.readerRole}`);
            await client.query("SELECT set_config('app.current_rls_user_id', $1, true)", [store.rlsUserId]);
            const r = await client.query<{ n: number }>(
              `SELECT (SELECT count(*) FROM retail.orders WHERE store_id <> $1)
                    + (SELECT count(*) FROM retail.filler WHERE store_id <> $1) AS n`,
              [store.storeId],
            );
            await client.query('COMMIT');
            foreign += Number(r.rows[0].n);
            reads++;
          }
        } catch {
          // dropped, not there yet, or no grant yet: connect again
        } finally {
          await client.end().catch(() => {});
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const cli = await runCli(
      ['restore', 'latest', '--from', dir, '--target', adminUrl(live), '--clean', '--yes', '--json'],
      { env, timeoutMs: 60_000 },
    );
    polling = false;
    await poll;
    expect(cli.code, cli.stderr).toBe(0);
    expect(reads).toBeGreaterThan(0);
    expect(foreign).toBe(0);
    // After the restore the reader reads its own store again, and nothing is open.
    expect(await exposure(live, zava.readerRole, store)).toMatchObject({ open: [], foreignRows: 0 });
    expect(await tableChecksums(adminUrl(live))).toEqual(await tableChecksums(zava.url));
  }, 90_000);

  it('a failed --tables restore leaves the table as it was', async () => {
    tablesCopy = await liveCopy('tables');
    const live = tablesCopy;
    const admin = new pg.Client({ connectionString: adminUrl(live) });
    await admin.connect();
    try {
      // Rows past 1000 break a check the target has and the backup does not: the load fails mid-way.
      await admin.query('ALTER TABLE retail.filler ADD CONSTRAINT small_ids CHECK (id < 1000) NOT VALID');
      const before = await tableChecksums(adminUrl(live));
      const refused = await runCli(
        [
          ...['restore', 'latest', '--from', dir, '--target', adminUrl(live)],
          ...['--tables', 'retail.filler', '--clean', '--yes'],
        ],
        { env, timeoutMs: 60_000 },
      );
      expect(refused.code, refused.stderr).toBe(ExitCode.failure);
      expect(refused.stderr).toMatch(/small_ids/);
      expect(await tableChecksums(adminUrl(live))).toEqual(before);
      await admin.query('ALTER TABLE retail.filler DROP CONSTRAINT small_ids');
    } finally {
      await admin.end();
    }
  }, 90_000);

  it('--tables without a failure replaces the rows in one go', async () => {
    const live = tablesCopy;
    const admin = new pg.Client({ connectionString: adminUrl(live) });
    await admin.connect();
    try {
      await admin.query('DELETE FROM retail.order_items WHERE order_item_id % 2 = 0');
      await admin.query('UPDATE retail.filler SET pad = $1 WHERE id < 100', ['changed']);
      const cli = await runCli(
        [
          ...['restore', 'latest', '--from', dir, '--target', adminUrl(live), '--json'],
          ...['--tables', 'retail.order_items', 'retail.orders', 'retail.filler', '--clean', '--yes'],
        ],
        { env, timeoutMs: 60_000 },
      );
      expect(cli.code, cli.stderr).toBe(0);
      expect(cli.json().restore.tables.every((t: { ok: boolean }) => t.ok)).toBe(true);
      expect(await tableChecksums(adminUrl(live))).toEqual(await tableChecksums(zava.url));
    } finally {
      await admin.end();
    }
  }, 90_000);

  it('restore --target <db> works with the backup location in .env', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'mcpops-restore-env-'));
    try {
      await writeFile(join(cwd, '.env'), `MCPOPS_BACKUP_TARGET=${dir}\nDATABASE_URL=${zava.url}\n`);
      const name = fresh('dotenv');
      const cli = await runCli(['restore', 'latest', '--target', adminUrl(name), '--create', '--json'], {
        cwd,
        timeoutMs: 60_000,
      });
      expect(cli.code, cli.stderr).toBe(0);
      expect(await tableChecksums(adminUrl(name))).toEqual(await tableChecksums(zava.url));
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  }, 90_000);

  it('Ctrl-C while rows load exits 130, drops the new database and leaves no psql', async () => {
    const name = fresh('sigint');
    const cli = startCli(
      ['restore', 'latest', '--from', dir, '--target', adminUrl(name), '--create', '--json'],
      env,
    );
    await waitFor(async () => (await activity(name, 'COPY %')) > 0, 40_000, 'a COPY');
    cli.child.kill('SIGINT');
    expect(await exitWithin(cli, 10_000)).toBe(ExitCode.interrupted);
    expect(JSON.parse(cli.stdout()).error.code).toBe('interrupted');
    expect([...cli.psqlPids].filter(alive)).toEqual([]);
    expect(await databaseExists(name)).toBe(false);
  }, 60_000);

  it('an object altered in place, into a new database: the check beside the load stops it, exit 2, nothing left', async () => {
    const manifestFile = (await readdir(join(dir, 'manifests'))).sort().at(-1) as string;
    const manifest = JSON.parse(await readFile(join(dir, 'manifests', manifestFile), 'utf8'));
    const largest = manifest.objects
      .filter((o: { kind: string }) => o.kind === 'table-data')
      .sort((a: { storedSize: number }, b: { storedSize: number }) => b.storedSize - a.storedSize)[0];
    const file = join(dir, ...largest.key.split('/'));
    const original = await readFile(file);
    const altered = Buffer.from(original);
    altered[altered.length >> 1] ^= 0xff;
    await writeFile(file, altered);
    try {
      const name = fresh('altered');
      const cli = startCli(
        ['restore', 'latest', '--from', dir, '--target', adminUrl(name), '--create', '--json'],
        env,
      );
      const code = await exitWithin(cli, 60_000);
      expect(code, cli.stderr()).toBe(ExitCode.failure);
      const error = JSON.parse(cli.stdout()).error;
      expect(error.code).toBe('backup_object_corrupt');
      expect(error.message).toMatch(
        /^verify: 1 object\(s\) failed, nothing was restored: .*does not match its SHA-256/,
      );
      expect([...cli.psqlPids].filter(alive)).toEqual([]);
      expect(await databaseExists(name)).toBe(false);
    } finally {
      await writeFile(file, original);
    }
  }, 90_000);

  it('storage gone mid-restore (folder): exits within 10 s, no psql left, new database dropped', async () => {
    const name = fresh('gone');
    const cli = startCli(
      ['restore', 'latest', '--from', dir, '--target', adminUrl(name), '--create', '--jobs', '1', '--json'],
      env,
    );
    await waitFor(async () => (await activity(name, 'COPY %')) > 0, 40_000, 'a COPY');
    await rename(join(dir, 'objects'), join(dir, 'objects-away'));
    try {
      const code = await exitWithin(cli, 10_000);
      expect(code, cli.stderr()).not.toBe('timeout');
      expect([ExitCode.failure, ExitCode.unavailable]).toContain(code);
      expect(JSON.parse(cli.stdout()).error.message).toMatch(/restore|read/);
      expect([...cli.psqlPids].filter(alive)).toEqual([]);
      expect(await databaseExists(name)).toBe(false);
    } finally {
      await rename(join(dir, 'objects-away'), join(dir, 'objects'));
    }
  }, 60_000);

  it('storage stopped mid-restore (Azurite): exits within 10 s, no psql left', async () => {
    const name = fresh('azgone');
    const cli = startCli(
      [
        ...['restore', 'latest', '--from', AZURE_TARGET, '--target', adminUrl(name)],
        ...['--create', '--jobs', '1', '--json'],
      ],
      env,
    );
    await waitFor(async () => (await activity(name, 'COPY %')) > 0, 40_000, 'a COPY');
    azurite.process.kill('SIGKILL');
    const code = await exitWithin(cli, 10_000);
    expect(code, cli.stderr()).not.toBe('timeout');
    expect([ExitCode.failure, ExitCode.unavailable]).toContain(code);
    expect([...cli.psqlPids].filter(alive)).toEqual([]);
    expect(await databaseExists(name)).toBe(false);
  }, 60_000);
});

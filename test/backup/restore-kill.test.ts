import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../src/ops/backup/index.js';
import { type Azurite, startAzurite } from '../support/azurite.js';
import { adminUrl } from '../support/database.js';
import { createZavaTestDatabase, type ZavaTestDatabase } from '../support/zava.js';
import { configFor, databaseExists, dropDatabase } from './helpers.js';
import {
  activity,
  addFiller,
  alive,
  exposure,
  quiet,
  type StoreIdentity,
  startCli,
  waitFor,
} from './restore-helpers.js';

// A restore killed (-9) in its schema step, while rows load, or while indexes build leaves no
// retail table the reader may read without row security enabled, forced and a policy.
let zava: ZavaTestDatabase;
let azurite: Azurite;
let dir: string;
let store: StoreIdentity;
const created: string[] = [];
const AZURE_TARGET = 'azure://database-backups/kill';

/** When to kill: the first session in the new database, a COPY running, an index building. */
const POINTS = {
  'pre-data': async (db: string) => (await databaseExists(db)) && (await activity(db, '%')) > 0,
  data: async (db: string) => (await activity(db, 'COPY %')) > 0,
  'post-data': async (db: string) =>
    (await activity(db, '%CREATE INDEX%')) + (await activity(db, '%ADD CONSTRAINT%')) > 0,
} as const;

beforeAll(async () => {
  [zava, azurite] = await Promise.all([createZavaTestDatabase({ scale: 'tiny' }), startAzurite()]);
  store = await addFiller(zava, 250_000);
  dir = await mkdtemp(join(tmpdir(), 'mcpops-restore-kill-'));
  const config = await configFor({
    DATABASE_URL: zava.url,
    AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
  });
  await runBackup(config, { target: dir, compression: 'zstd', jobs: 2, retention: {} });
  await runBackup(config, { target: AZURE_TARGET, compression: 'zstd', jobs: 2, retention: {} });
}, 120_000);

afterAll(async () => {
  for (const name of created) await dropDatabase(name).catch(() => {});
  await zava?.drop();
  await azurite?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.each([
  ['folder', () => dir],
  ['Azurite', () => AZURE_TARGET],
])('restore killed with -9 (%s)', (_kind, from) => {
  it.each(Object.keys(POINTS) as Array<keyof typeof POINTS>)(
    'killed in %s: no retail table readable without its policies',
    async (point) => {
      const name = `${zava.name}_k${created.length}`;
      created.push(name);
      const cli = startCli(
        ['restore', 'latest', '--from', from(), '--target', adminUrl(name), '--create', '--jobs', '2', '--json'],
        { DATABASE_URL: zava.url, AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString },
      );
      let finished = false;
      void cli.exited.then(() => {
        finished = true;
      });
      await waitFor(async () => finished || (await POINTS[point](name)), 40_000, `restore ${point}`);
      expect(finished, `the restore ended before ${point}: ${cli.stderr()}`).toBe(false);
      cli.child.kill('SIGKILL');
      await cli.exited;
      // Whatever psql had been sent meets EOF now; let every session end before judging.
      await waitFor(async () => [...cli.psqlPids].every((pid) => !alive(pid)), 10_000, 'psql to exit');
      if (await databaseExists(name)) {
        await quiet(name);
        const seen = await exposure(name, zava.readerRole, store);
        expect(seen).toMatchObject({ open: [], foreignRows: 0 });
        // Past the schema step the tables exist, so the check above was not vacuous.
        if (point !== 'pre-data') expect(seen.tables).toBeGreaterThan(8);
      } else expect(point).toBe('pre-data');
    },
    60_000,
  );
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminUrl } from '../support/database.js';
import { configFor, databaseExists, restoreInto } from './helpers.js';
import {
  activity,
  alive,
  databaseDdl,
  exposure,
  quiet,
  type RestoreSource,
  restoreSource,
  startCli,
  waitFor,
} from './restore-helpers.js';

// A restore killed (-9) in its schema step, while rows load, or while indexes build — into a new
// database from a folder or Azurite, or over a live database with --clean --yes — leaves no
// retail table the reader may read without row security enabled, forced and a policy.
let source: RestoreSource;

/** When to kill: the first session in the new database, a COPY running, an index building. */
const POINTS = {
  'pre-data': async (db: string) => (await databaseExists(db)) && (await activity(db, '%')) > 0,
  data: async (db: string) => (await activity(db, 'COPY %')) > 0,
  'post-data': async (db: string) =>
    (await activity(db, '%CREATE INDEX%')) + (await activity(db, '%ADD CONSTRAINT%')) > 0,
} as const;

beforeAll(async () => {
  source = await restoreSource('kill', 150_000);
}, 120_000);

afterAll(async () => {
  await source?.drop();
});

/** A database to restore into: new, or a copy of the source as a live serve database would be. */
async function targetFor(kind: string, point: string): Promise<{ name: string; args: string[] }> {
  const name = source.fresh(`k_${kind}_${point}`.replace(/-/g, '_'));
  if (kind !== 'live') return { name, args: ['--create'] };
  await restoreInto(await configFor(source.env), source.dir, name);
  return { name, args: ['--clean', '--yes'] };
}

describe.each([
  ['folder', () => source.dir],
  ['Azurite', () => source.azureTarget],
  ['live', () => source.dir],
])('restore killed with -9 (%s)', (kind, from) => {
  it.each(Object.keys(POINTS) as Array<keyof typeof POINTS>)(
    'killed in %s: no retail table readable without its policies',
    async (point) => {
      const { zava, store } = source;
      const { name, args } = await targetFor(kind, point);
      const cli = startCli(
        ['restore', 'latest', '--from', from(), '--target', adminUrl(name), ...args, '--json'],
        source.env,
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
      // A DROP or CREATE DATABASE the restore sent before it died still finishes on the server.
      await waitFor(async () => (await databaseDdl(name)) === 0, 15_000, `DDL on ${name} to finish`);
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

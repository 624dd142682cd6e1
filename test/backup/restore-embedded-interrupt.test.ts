import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { runBackup } from '../../src/ops/backup/index.js';
import { configFor } from './helpers.js';
import { exitWithin, startCli, waitFor } from './restore-helpers.js';

let work: string;
const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );
const listing = async (path: string) =>
  (await readdir(path, { recursive: true }).catch(() => [])).map(String);

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mcpops-embedded-interrupt-'));
  const db = new PGlite(join(work, 'data'));
  await db.exec(
    "CREATE TABLE items (id serial PRIMARY KEY, label text); INSERT INTO items (label) SELECT 'item ' || g FROM generate_series(1, 2000) g;",
  );
  await db.close();
}, 60_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('Ctrl-C on the embedded database', () => {
  it('during a backup: exit 130, no backup and no run marker left', async () => {
    const target = join(work, 'backups-interrupted');
    const cli = startCli(['backup', '--target', target, '--json'], {
      MCPOPS_EMBEDDED_DIR: join(work, 'data'),
    });
    await waitFor(async () => (await listing(target)).some((f) => f.startsWith('runs/')), 30_000, 'the run');
    cli.child.kill('SIGINT');
    expect(await exitWithin(cli, 20_000)).toBe(ExitCode.interrupted);
    expect(JSON.parse(cli.stdout()).error.code).toBe('interrupted');
    expect((await listing(target)).filter((f) => /^(manifests|runs|objects)\/./.test(f))).toEqual([]);
  }, 60_000);

  it('during a restore: exit 130 and the half-written folder removed', async () => {
    const backups = join(work, 'backups');
    await runBackup(await configFor({ MCPOPS_EMBEDDED_DIR: join(work, 'data') }), {
      target: backups,
      compression: 'zstd',
      jobs: 1,
      retention: {},
    });
    const restored = join(work, 'restored');
    const cli = startCli(['restore', 'latest', '--from', backups, '--target', restored, '--json'], {
      MCPOPS_EMBEDDED_DIR: join(work, 'data'),
    });
    await waitFor(() => exists(restored), 30_000, 'the restore folder');
    cli.child.kill('SIGINT');
    expect(await exitWithin(cli, 20_000)).toBe(ExitCode.interrupted);
    expect(JSON.parse(cli.stdout()).error.code).toBe('interrupted');
    expect(await exists(restored)).toBe(false);
  }, 60_000);
});

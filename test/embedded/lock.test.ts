import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.js';
import { embeddedLockHolder, openEmbeddedDatabase } from '../../src/db/embedded/index.js';
import { acquireEmbeddedLock } from '../../src/db/embedded/lock.js';
import { embeddedConfig, FIRST_START_TIMEOUT_MS, tempDir, tinySchema, workerPid } from './support.js';

let dir: Awaited<ReturnType<typeof tempDir>>;
let config: Config;

beforeAll(async () => {
  dir = await tempDir();
  config = await embeddedConfig(join(dir.path, 'db'));
});
afterAll(() => dir.remove());

/** A pid that certainly belongs to no process: one that has just exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('the embedded folder lock', () => {
  it(
    'is held while the database is open, names both pids, and lets a second opener attach',
    async () => {
      const target = { kind: 'embedded' as const, dir: config.embeddedDir };
      const db = await openEmbeddedDatabase(config, target, { initialise: tinySchema(config) });
      try {
        const lines = readFileSync(join(config.embeddedDir, 'mcpops.lock'), 'utf8').trim().split('\n');
        expect(Number(lines[0])).toBe(process.pid);
        expect(Number(lines[1])).toBe(await workerPid(config.embeddedDir));
        expect(embeddedLockHolder(config.embeddedDir)).toBe(process.pid);

        // A second opener attaches to the owner's database instead of failing, and leaves it be.
        const second = await openEmbeddedDatabase(config, target);
        expect((await second.pool.query('SELECT count(*)::int AS n FROM retail.orders')).rows[0].n).toBe(9);
        await second.close();
        expect(embeddedLockHolder(config.embeddedDir)).toBe(process.pid);
        expect((await db.pool.query('SELECT count(*)::int AS n FROM retail.orders')).rows[0].n).toBe(9);
      } finally {
        await db.close();
      }
      expect(embeddedLockHolder(config.embeddedDir)).toBeUndefined();
    },
    FIRST_START_TIMEOUT_MS,
  );

  it('takes over a stale lock left by dead processes', async () => {
    const stale = `${deadPid()}\n${deadPid()}\n`;
    await writeFile(join(config.embeddedDir, 'mcpops.lock'), stale);
    expect(embeddedLockHolder(config.embeddedDir)).toBeUndefined();
    const db = await openEmbeddedDatabase(
      config,
      { kind: 'embedded', dir: config.embeddedDir },
      { initialise: tinySchema(config) },
    );
    try {
      expect(embeddedLockHolder(config.embeddedDir)).toBe(process.pid);
    } finally {
      await db.close();
    }
  });

  it('counts a live worker that outlived its parent as a holder', async () => {
    const folder = join(dir.path, 'orphan');
    await mkdir(folder);
    // Line 1: a dead parent; line 2: a live process standing in for its worker.
    await writeFile(join(folder, 'mcpops.lock'), `${deadPid()}\n${process.pid}\n`);
    expect(embeddedLockHolder(folder)).toBe(process.pid);
    expect(() => acquireEmbeddedLock(folder)).toThrow(/in use by process/);
  });

  it('has no holder without a lock file, and release leaves no file behind', async () => {
    const folder = join(dir.path, 'plain');
    await mkdir(folder);
    expect(embeddedLockHolder(folder)).toBeUndefined();
    const lock = acquireEmbeddedLock(folder);
    expect(embeddedLockHolder(folder)).toBe(process.pid);
    lock.release();
    expect(existsSync(join(folder, 'mcpops.lock'))).toBe(false);
  });
});

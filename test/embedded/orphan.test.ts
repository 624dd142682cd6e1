import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedLockHolder, openEmbeddedDatabase } from '../../src/db/embedded/index.js';
import { embeddedConfig, FIRST_START_TIMEOUT_MS, pidAlive, tempDir, tinySchema, waitFor } from './support.js';

// Runs the BUILT module in a separate process (npm test builds first), so that process can be
// killed the hard way without taking the test runner with it.
const built = fileURLToPath(new URL('../../dist/src/db/embedded/index.js', import.meta.url));
const loader = fileURLToPath(new URL('../../dist/src/config/load.js', import.meta.url));

let dir: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  dir = await tempDir();
});
afterAll(() => dir.remove());

describe('no orphaned worker', () => {
  it(
    'the worker ends when the process that started it is killed, and the folder opens again',
    async () => {
      expect(existsSync(built), 'run `npm run build` first (npm test does)').toBe(true);
      const folder = join(dir.path, 'db');
      // Build the folder here (tiny schema), then let a separate process serve it.
      const config = await embeddedConfig(folder);
      await (
        await openEmbeddedDatabase(
          config,
          { kind: 'embedded', dir: folder },
          { initialise: tinySchema(config) },
        )
      ).close();
      const script = `
      const { openEmbeddedDatabase } = await import(${JSON.stringify(built)});
      const { loadConfig } = await import(${JSON.stringify(loader)});
      const { config } = await loadConfig({ env: { MCPOPS_EMBEDDED_DIR: ${JSON.stringify(folder)} }, cwd: ${JSON.stringify(folder)} });
      const db = await openEmbeddedDatabase(config, { kind: 'embedded', dir: config.embeddedDir });
      await db.pool.query('SELECT 1');
      console.log('ready');
      setInterval(() => {}, 1000);
    `;
      const parent = spawn(process.execPath, ['--input-type=module', '-e', script], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve, reject) => {
        parent.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
        parent.once('exit', (code) => reject(new Error(`server process exited ${code}`)));
      });
      const { readFileSync } = await import('node:fs');
      const [parentPid, worker] = readFileSync(join(folder, 'mcpops.lock'), 'utf8')
        .trim()
        .split('\n')
        .map(Number);
      expect(parentPid).toBe(parent.pid);
      expect(pidAlive(worker)).toBe(true);
      expect(embeddedLockHolder(folder)).toBe(parent.pid);
      parent.kill('SIGKILL');
      expect(await waitFor(() => !pidAlive(worker), 10_000)).toBe(true);
      expect(embeddedLockHolder(folder)).toBeUndefined();
      const db = await openEmbeddedDatabase(config, { kind: 'embedded', dir: folder });
      try {
        expect((await db.pool.query('SELECT count(*)::int AS n FROM retail.orders')).rows[0].n).toBe(9);
      } finally {
        await db.close();
      }
    },
    FIRST_START_TIMEOUT_MS,
  );
});

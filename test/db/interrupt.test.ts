import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../support/cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcpops-interrupt-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /s, '')
      .startsWith('Z');
  } catch {
    return false;
  }
};

describe('Ctrl-C during db init on a new embedded database', () => {
  it('a real SIGINT mid-load keeps nothing half-built, says so, and exits 130', async () => {
    const folder = join(dir, 'embedded');
    const child = spawn(
      process.execPath,
      [CLI, 'db', 'init', '--embedded', '--embedded-dir', folder, '--scale', 'small'],
      {
        env: { PATH: process.env.PATH ?? '', HOME: dir, CI: 'true', FORCE_COLOR: '0' },
      },
    );
    let stderr = '';
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    // Wait for the worker to run, then give the load a moment to be under way.
    const lock = join(folder, 'mcpops.lock');
    let worker = 0;
    for (let i = 0; i < 600 && !worker; i++) {
      await pause(100);
      if (existsSync(lock)) worker = Number(readFileSync(lock, 'utf8').split('\n')[1]) || 0;
    }
    expect(worker).toBeGreaterThan(0);
    await pause(2500);
    child.kill('SIGINT');
    const code = await exited;
    expect(stderr).toMatch(
      /interrupted: the embedded database in .* was not finished, and nothing of it was kept/,
    );
    expect(code).toBe(130);
    // Rolled back for real: no meta (so nothing is ever served), no data files, no worker left.
    expect(readdirSync(folder)).toEqual([]);
    for (let i = 0; i < 50 && alive(worker); i++) await pause(100);
    expect(alive(worker)).toBe(false);
  }, 120_000);
});

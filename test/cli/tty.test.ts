import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../support/cli.js';

const COLUMNS = 100;
let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'mcpops-tty-'));
});
afterAll(() => rm(cwd, { recursive: true, force: true }));

/** Runs the CLI on a pseudo-terminal of COLUMNS columns (script(1)); resolves with what it showed. */
function onTerminal(
  args: string[],
  options: { env?: Record<string, string>; until?: RegExp; timeoutMs?: number } = {},
): Promise<string> {
  const quoted = args.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const child = spawn(
    '/usr/bin/script',
    ['-qfec', `stty cols ${COLUMNS} rows 40; ${process.execPath} ${CLI} ${quoted}`, '/dev/null'],
    { cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd, TERM: 'xterm-256color', ...options.env } },
  );
  let output = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  return new Promise((resolve) => {
    const finish = () => {
      clearInterval(poll);
      clearTimeout(timer);
      child.kill('SIGTERM');
      resolve(output);
    };
    const poll = setInterval(() => {
      if (options.until?.test(stripVTControlCharacters(output))) finish();
    }, 100);
    const timer = setTimeout(finish, options.timeoutMs ?? 30_000);
    child.on('close', finish);
  });
}

const lines = (output: string) =>
  stripVTControlCharacters(output)
    .split(/\r?\n/)
    .flatMap((line) => line.split('\r'));

describe.skipIf(!existsSync('/usr/bin/script'))('on a terminal of 100 columns', () => {
  it.each([
    [['health', '--database-url', 'postgres://nobody@127.0.0.1:1/none', '--host-checks']],
    [['validate-config']],
    [['scale-advise', '--metrics', join(import.meta.dirname, '../fixtures/metrics/low-cpu-high-mem.json')]],
  ])('%j: no table line is wider than the terminal', async (args) => {
    const output = await onTerminal(args);
    const shown = lines(output);
    expect(shown.some((line) => line.startsWith('┌'))).toBe(true);
    const wide = shown.filter((line) => /^[┌│├└]/.test(line) && line.length > COLUMNS);
    expect(wide).toEqual([]);
  });

  it.each([
    [['health', '--database-url', 'postgres://nobody@127.0.0.1:1/none']],
    [['scale-advise', '--metrics', join(import.meta.dirname, '../fixtures/metrics/low-cpu-high-mem.json')]],
    [['cost-estimate']],
  ])('%j: no line at all is wider than the terminal (prose wraps as tables do)', async (args) => {
    const shown = lines(await onTerminal(args));
    expect(shown.length).toBeGreaterThan(5);
    expect(shown.filter((line) => line.length > COLUMNS)).toEqual([]);
  });

  it('a command that waits shows a spinner on the terminal, and none in a pipe', async () => {
    // A "database" that takes the connection and never answers: health waits out its limit.
    const silent: Server = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const args = ['health', '--database-url', `postgres://nobody@127.0.0.1:${port}/none`];
    const env = { MCPOPS_HEALTH_TIMEOUT_MS: '2500' };
    try {
      const text = stripVTControlCharacters(await onTerminal(args, { env }));
      expect(text).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] checking health/);
      expect(text).toMatch(/CRITICAL/);
      const piped = await runCli(args, { env: { ...env, CI: '' } });
      expect(piped.stderr + piped.stdout).not.toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]|checking health/);
    } finally {
      silent.close();
    }
  });

  it('the embedded first start shows one progress line with stage, rows and ETA, and no JSON log lines', async () => {
    const output = await onTerminal(['serve'], {
      env: { MCPOPS_EMBEDDED_DIR: join(cwd, 'embedded'), MCPOPS_EMBEDDED_SCALE: 'tiny' },
      until: /speaking MCP on stdio/,
      timeoutMs: 170_000,
    });
    const text = stripVTControlCharacters(output);
    expect(text).toMatch(/speaking MCP on stdio/);
    expect(text).toMatch(/mcpops serve · loading sample data [█░]+ \d+% [\d,]+\/[\d,]+( ETA \d+s)? \(\d+s\)/);
    expect(text).not.toMatch(/"level":"info"/);
    // Redrawn in place: the progress never scrolls the terminal.
    const progressLines = text.split('\n').filter((line) => line.includes('mcpops serve ·'));
    expect(progressLines.length).toBeLessThanOrEqual(1);
  }, 180_000);
});

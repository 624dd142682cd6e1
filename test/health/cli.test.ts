import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/azurite.js';
import { CLI, runCli } from '../support/cli.js';
import { createZavaTestDatabase, type ZavaTestDatabase } from '../support/zava.js';

let zava: ZavaTestDatabase;
let hooks: Server;
let hookUrl: string;
const posts: any[] = [];
const cwd = mkdtempSync(join(tmpdir(), 'mcpops-health-cli-'));

function health(args: string[], env: Record<string, string> = {}) {
  return runCli(['health', ...args], {
    cwd,
    env: { MCPOPS_HEALTH_STATE_FILE: join(cwd, 'state.json'), DATABASE_URL: zava.url, ...env },
  });
}

beforeAll(async () => {
  zava = await createZavaTestDatabase({ scale: 'tiny' });
  hooks = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      if (req.url === '/alerts') posts.push(JSON.parse(body));
      // /hang never answers.
      if (req.url !== '/hang/ready') res.end();
    });
  });
  await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hooks.address() as { port: number }).port}`;
});

afterAll(async () => {
  hooks?.closeAllConnections();
  await new Promise((r) => hooks?.close(r));
  await zava?.drop();
});

describe('mcpops health (built CLI)', () => {
  it('--json prints the report and exits by the worst status', async () => {
    const result = await health(['--json']);
    const report = result.json();
    expect(report, result.stdout).toHaveProperty('overallStatus');
    expect(result.code).toBe({ OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 }[report.overallStatus as string]);
    expect(report.ok).toBe(result.code === 0);
    expect(Object.keys(report)).toEqual([
      'version',
      'ok',
      'timestamp',
      'overallStatus',
      'components',
      'failedComponents',
      'skipped',
      'durationMs',
    ]);
    expect(report.components.database.checks[0]).toMatchObject({ id: 'db.reachable', status: 'OK' });
    expect(Object.keys(report.components.database.checks[1])).toEqual(
      expect.arrayContaining(['id', 'component', 'status', 'value', 'threshold', 'message', 'remedy']),
    );
  });

  it('exit 0 with a Nagios line and perfdata', async () => {
    // Generous latency limits: a loaded CI box must not turn this into a warning.
    const result = await health(['--only', 'db.reachable', '--format', 'nagios'], {
      MCPOPS_HEALTH_THRESHOLDS: '{"latency_ms":{"warn":5000,"crit":10000}}',
    });
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toMatch(
      /^MCPOPS OK - 0 critical, 0 warning, 0 unknown - 1 checks OK \| 'latency'=[\d.]+ms;5000;10000;0\n$/,
    );
  });

  it('exit 1 on a warning (threshold from MCPOPS_HEALTH_THRESHOLDS), as a table', async () => {
    const result = await health(['--only', 'wraparound'], {
      MCPOPS_HEALTH_THRESHOLDS: '{"wraparound":{"warn":0}}',
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/db\.wraparound.*WARNING/);
    expect(result.stdout).toMatch(/overall WARNING · not OK: database/);
  });

  it('exit 2 when the database is down, with the alert posted once to the webhook', async () => {
    const down = { DATABASE_URL: `postgres://postgres:pw-not-shown@127.0.0.1:${await freePort()}/zava` };
    const first = await health(
      ['--only', 'db.reachable', '--json', '--alert-webhook', `${hookUrl}/alerts`],
      down,
    );
    expect(first.code).toBe(2);
    expect(first.json().alerts.sent[0]).toMatchObject({ id: 'db.reachable', severity: 'critical' });
    expect(posts).toHaveLength(1);
    expect(JSON.stringify(posts[0])).not.toContain('pw-not-shown');
    const second = await health(
      ['--only', 'db.reachable', '--json', '--alert-webhook', `${hookUrl}/alerts`],
      down,
    );
    expect(second.code).toBe(2);
    expect(second.json().alerts.sent).toEqual([]);
    expect(posts).toHaveLength(1);
  });

  it('exit 3 when a check hangs past the timeout', async () => {
    const result = await health(
      ['--only', 'app.server_ready', '--server-url', `${hookUrl}/hang/`, '--json'],
      {
        MCPOPS_HEALTH_TIMEOUT_MS: '300',
      },
    );
    expect(result.code).toBe(3);
    expect(result.json().components.application.checks[0]).toMatchObject({ status: 'UNKNOWN' });
  });

  it('usage and config errors: 64 and 78 with the fix', async () => {
    const unknown = await health(['--only', 'nope', '--json']);
    expect(unknown.code).toBe(64);
    expect(unknown.json()).toMatchObject({
      ok: false,
      error: { code: 'health_check_unknown', message: 'unknown health check "nope"' },
    });
    const watch = await health(['--watch', '5']);
    expect(watch.code).toBe(64);
    expect(watch.stderr).toContain('mcpops: --watch needs a terminal and the table format');
    const badWatch = await health(['--watch', 'x']);
    expect(badWatch.code).toBe(64);
    const thresholds = await health(['--only', 'db.reachable'], { MCPOPS_HEALTH_THRESHOLDS: '{nope' });
    expect(thresholds.code).toBe(78);
    expect(thresholds.stderr).toContain('mcpops: healthThresholds is not valid JSON');
    expect(thresholds.stderr).toContain('fix: Use e.g. {"connections":{"warn":0.7,"crit":0.9}}');
  });

  it.skipIf(!existsSync('/usr/bin/script'))(
    '--watch reruns on a terminal (a pseudo-terminal from script(1))',
    async () => {
      const child = spawn(
        '/usr/bin/script',
        ['-qfec', `${process.execPath} ${CLI} health --watch 1 --only system.memory`, '/dev/null'],
        {
          cwd,
          env: {
            PATH: process.env.PATH,
            HOME: process.env.HOME,
            TERM: 'dumb',
            MCPOPS_HEALTH_STATE_FILE: join(cwd, 'w.json'),
          },
        },
      );
      let output = '';
      child.stdout.on('data', (chunk) => {
        output += chunk;
      });
      const closed = new Promise((resolve) => child.on('close', resolve));
      const deadline = Date.now() + 15_000;
      while ((output.match(/overall/g) ?? []).length < 2 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      child.kill('SIGTERM');
      await closed;
      expect((output.match(/overall/g) ?? []).length).toBeGreaterThanOrEqual(2);
      expect(output).toContain('system.memory');
    },
  );
});

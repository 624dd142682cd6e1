import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processAlerts } from '../../src/ops/health/alerts.js';
import { buildReport } from '../../src/ops/health/collect.js';
import type { CheckResult, HealthStatus } from '../../src/ops/health/types.js';
import { formatNagios, formatPerfDatum } from '../../src/ui/nagios.js';

let receiver: Server;
let url: string;
let received: any[] = [];
let answer = 204;

function check(id: string, status: HealthStatus, extra: Partial<CheckResult> = {}): CheckResult {
  return {
    id,
    component: id.startsWith('db.') ? 'database' : 'system',
    status,
    value: 1,
    threshold: { warn: 1, crit: 2 },
    message: `${id} is ${status}`,
    remedy: status === 'OK' ? null : `fix ${id}`,
    durationMs: 1,
    ...extra,
  };
}

function report(...checks: CheckResult[]) {
  return buildReport(checks, [], 5);
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(body) });
      res.writeHead(answer);
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
});

afterAll(async () => {
  await new Promise((r) => receiver.close(r));
});

describe('processAlerts (webhook on loopback, state file)', () => {
  it('posts when a status worsens, not again while unchanged, respects the cooldown, and retries a failed post', async () => {
    const stateFile = join(mkdtempSync(join(tmpdir(), 'mcpops-alerts-')), 'nested', 'state.json');
    const t0 = new Date('2026-01-01T00:00:00Z');
    const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
    received = [];

    const first = await processAlerts(report(check('db.reachable', 'OK'), check('system.memory', 'OK')), {
      webhookUrl: url,
      stateFile,
      now: t0,
    });
    expect(first.sent).toEqual([]);
    expect(received).toHaveLength(0);

    const down = await processAlerts(
      report(check('db.reachable', 'CRITICAL'), check('system.memory', 'OK')),
      {
        webhookUrl: url,
        stateFile,
        now: at(1),
      },
    );
    expect(down.sent.map((a) => a.id)).toEqual(['db.reachable']);
    expect(received).toHaveLength(1);
    expect(received[0].headers['content-type']).toBe('application/json');
    expect(received[0].body).toMatchObject({
      source: 'mcpops health',
      overallStatus: 'CRITICAL',
      alerts: [
        {
          id: 'db.reachable',
          severity: 'critical',
          status: 'CRITICAL',
          previousStatus: 'OK',
          remedy: 'fix db.reachable',
        },
      ],
    });

    // Still critical: nothing new to say.
    await processAlerts(report(check('db.reachable', 'CRITICAL')), {
      webhookUrl: url,
      stateFile,
      now: at(2),
    });
    expect(received).toHaveLength(1);

    // Recovers, then fails again inside its 5-minute cooldown: suppressed.
    await processAlerts(report(check('db.reachable', 'OK')), { webhookUrl: url, stateFile, now: at(3) });
    const again = await processAlerts(report(check('db.reachable', 'CRITICAL')), {
      webhookUrl: url,
      stateFile,
      now: at(4),
    });
    expect(again.sent).toEqual([]);
    expect(again.suppressed[0]).toEqual({
      id: 'db.reachable',
      reason: 'cooldown until 2026-01-01T00:06:00.000Z',
    });
    expect(received).toHaveLength(1);

    // A different check has its own cooldown (memory: 5 min, severity high).
    const memory = await processAlerts(
      report(check('db.reachable', 'CRITICAL'), check('system.memory', 'WARNING')),
      {
        webhookUrl: url,
        stateFile,
        now: at(5),
      },
    );
    expect(memory.sent).toMatchObject([{ id: 'system.memory', severity: 'high' }]);

    // The webhook fails: the error is reported and the state not advanced, so the next run retries.
    answer = 500;
    const failed = await processAlerts(
      report(check('db.reachable', 'CRITICAL'), check('system.memory', 'CRITICAL')),
      {
        webhookUrl: url,
        stateFile,
        now: at(11),
      },
    );
    expect(failed).toMatchObject({ sent: [], error: 'the webhook answered HTTP 500' });
    expect(JSON.parse(readFileSync(stateFile, 'utf8')).checks['system.memory'].status).toBe('WARNING');
    answer = 204;
    const retried = await processAlerts(
      report(check('db.reachable', 'CRITICAL'), check('system.memory', 'CRITICAL')),
      {
        webhookUrl: url,
        stateFile,
        now: at(12),
      },
    );
    expect(retried.sent.map((a) => a.id)).toEqual(['system.memory']);
  });

  it('reports an unreachable webhook without throwing', async () => {
    const stateFile = join(mkdtempSync(join(tmpdir(), 'mcpops-alerts-')), 'state.json');
    const outcome = await processAlerts(report(check('db.blocked', 'WARNING')), {
      webhookUrl: 'http://127.0.0.1:9/hook',
      stateFile,
    });
    expect(outcome.sent).toEqual([]);
    expect(outcome.error).toMatch(/^the webhook could not be reached/);
  });
});

describe('Nagios output', () => {
  it.each([
    [
      { label: 'latency', value: 1.25, uom: 'ms' as const, warn: 100, crit: 1000, min: 0 },
      "'latency'=1.25ms;100;1000;0",
    ],
    [{ label: 'connections', value: 5, warn: 78, crit: 93, min: 0, max: 97 }, "'connections'=5;78;93;0;97"],
    [{ label: "it's", value: 3 }, "'it''s'=3"],
    [{ label: 'used', value: 50, uom: '%' as const, min: 0, max: 100 }, "'used'=50%;;;0;100"],
  ])('perfdata %o → %s', (datum, text) => {
    expect(formatPerfDatum(datum)).toBe(text);
  });

  it('one line: status, problems worst first, perfdata after |', () => {
    const line = formatNagios(
      report(
        check('db.reachable', 'OK', {
          perfdata: [{ label: 'latency', value: 2, uom: 'ms', warn: 100, crit: 1000, min: 0 }],
        }),
        check('db.blocked', 'WARNING', { message: 'a | b' }),
        check('system.disk', 'CRITICAL'),
      ),
    );
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toBe(
      "MCPOPS CRITICAL - 1 critical, 1 warning, 0 unknown - system.disk CRITICAL: system.disk is CRITICAL; db.blocked WARNING: a / b | 'latency'=2ms;100;1000;0",
    );
    expect(formatNagios(report(check('db.reachable', 'OK')))).toBe(
      'MCPOPS OK - 0 critical, 0 warning, 0 unknown - 1 checks OK',
    );
  });
});

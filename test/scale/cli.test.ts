import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcpops-scale-cli-'));
  await writeFile(join(dir, 'broken.json'), '{"app": ');
  await writeFile(
    join(dir, 'wrong.json'),
    JSON.stringify({ app: { replicas: { current: 1 }, cpuPercent: 140 } }),
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('mcpops scale-advise --metrics', () => {
  it('prints each decision with its rule and reason, then the snippets', async () => {
    const r = await runCli(['scale-advise', '--metrics', 'test/fixtures/metrics/low-cpu-high-mem.json']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Scale advice from recorded snapshot taken 2026-11-25T14:00:00Z');
    expect(r.stdout).toContain('rule 2: CPU < 20 % and instances > 1 → down');
    expect(r.stdout).toContain('also matched but later in the order: memory > 85 % → up');
    expect(r.stdout).toContain('cpu: ceil(3 × 12 / 70) = 1');
    expect(r.stdout).toContain('Kubernetes HorizontalPodAutoscaler:');
    expect(r.stdout).toContain('az containerapp update --name mcpops-serve');
  });

  it('--json: the advice as one document', async () => {
    const r = await runCli(['scale-advise', '--json', '--metrics', 'test/fixtures/metrics/busy-db.json']);
    expect(r.code).toBe(0);
    const doc = r.json();
    expect(doc).toMatchObject({
      ok: true,
      source: 'file',
      autoscaler: { action: 'none', ruleNumber: 6 },
      replicas: { current: 4, desired: 4, min: 2, max: 8 },
      pool: { perReplica: 5, wanted: 20, budget: 42 },
      tier: { current: 'B1ms', recommended: 'B2s', monthlyDelta: 37.23, pricesAsOf: '2026-11-24' },
    });
    for (const d of doc.decisions)
      expect(Object.keys(d).sort()).toEqual(['id', 'numbers', 'reason', 'recommendation', 'rule']);
    expect(Object.keys(doc.snippets).sort()).toEqual([
      'containerAppsCli',
      'containerAppsYaml',
      'kubernetesHpa',
    ]);
  });

  it('flags override the snapshot (replicas, max replicas, tier)', async () => {
    const r = await runCli([
      'scale-advise',
      '--json',
      '--metrics',
      'test/fixtures/metrics/high-cpu.json',
      '--replicas',
      '4',
      '--max-replicas',
      '5',
      '--db-tier',
      'B2s',
    ]);
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({
      replicas: { current: 4, desired: 5, max: 5 },
      tier: { current: 'B2s' },
    });
  });

  it.each([
    [['--metrics', 'nope.json'], 64, 'mcpops: metrics file nope.json cannot be read (ENOENT)'],
    [['--metrics', 'broken.json'], 78, 'is not valid JSON'],
    [['--metrics', 'wrong.json'], 78, 'is invalid at app.cpuPercent'],
    [
      ['--metrics', 'wrong.json', '--replicas', '0'],
      64,
      'mcpops: --replicas must be a whole number from 1 up (got "0")',
    ],
    [['--metrics', 'wrong.json', '--target-cpu', 'abc'], 64, '--target-cpu must be a number'],
    [['--metrics', 'wrong.json', '--region', 'mars'], 64, 'the price table has no region "mars"'],
  ])('%j → exit %i', async (args, code, message) => {
    const r = await runCli(['scale-advise', ...args], { cwd: dir });
    expect(r.code).toBe(code);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe('');
  });

  it('errors are JSON with --json', async () => {
    const r = await runCli(['scale-advise', '--json', '--metrics', 'nope.json'], { cwd: dir });
    expect(r.code).toBe(64);
    expect(r.json()).toMatchObject({ ok: false, error: { code: 'metrics_unreadable' } });
  });
});

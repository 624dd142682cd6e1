import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, ExitCode, UsageError } from '../../src/errors.js';
import { loadPriceTable, type PriceSheet, selectPrices } from '../../src/ops/cost/prices.js';
import { adviseScale } from '../../src/ops/scale/advise.js';
import {
  boundedPool,
  clampReplicas,
  connectionBudget,
  evaluateAutoscaler,
  hpaDesired,
  poolForLoad,
} from '../../src/ops/scale/rules.js';
import { loadSnapshot, type MetricsSnapshot, parseSnapshot } from '../../src/ops/scale/snapshot.js';

const fixture = (name: string) => loadSnapshot(`test/fixtures/metrics/${name}.json`);
let prices: PriceSheet;
beforeAll(async () => {
  prices = selectPrices(await loadPriceTable(), 'eastus', undefined, 'shipped');
});

describe('AutoScaler rules over recorded snapshots, in their order', () => {
  it.each([
    ['high-cpu', 'up', 1, []],
    ['idle', 'down', 2, []],
    ['low-cpu-high-mem', 'down', 2, ['memory > 85 % → up']],
    ['high-mem', 'up', 3, []],
    ['queue-high', 'up', 4, []],
    ['queue-low', 'down', 5, []],
    ['steady', 'none', 6, []],
    ['single-idle', 'none', 6, []],
  ])('%s → %s by rule %i', async (name, action, ruleNumber, shadowed) => {
    const advice = adviseScale(await fixture(name), 'file', { prices });
    expect(advice.autoscaler).toMatchObject({ action, ruleNumber, shadowed });
    const decision = advice.decisions.find((d) => d.id === 'autoscaler')!;
    expect(decision.rule).toMatch(new RegExp(`^rule ${ruleNumber}: `));
  });

  it('low CPU wins over high memory because it comes first, and the reason says so', async () => {
    const advice = adviseScale(await fixture('low-cpu-high-mem'), 'file', { prices });
    expect(advice.decisions[0]).toMatchObject({
      recommendation: 'scale down',
      rule: 'rule 2: CPU < 20 % and instances > 1 → down',
      reason:
        'CPU 12 %, memory 91 %, queue 3, 3 instance(s); also matched but later in the order: memory > 85 % → up',
    });
  });

  it.each([
    // boundaries: the comparisons are strict
    [{ cpuPercent: 80, memoryPercent: 50, queueDepth: 50, instances: 2 }, 'none', 6],
    [{ cpuPercent: 80.1, memoryPercent: 50, queueDepth: 50, instances: 2 }, 'up', 1],
    [{ cpuPercent: 20, memoryPercent: 50, queueDepth: 50, instances: 2 }, 'none', 6],
    [{ cpuPercent: 19.9, memoryPercent: 99, queueDepth: 500, instances: 2 }, 'down', 2],
    [{ cpuPercent: 19.9, memoryPercent: 99, queueDepth: 500, instances: 1 }, 'up', 3],
    [{ cpuPercent: 50, memoryPercent: 85, queueDepth: 100, instances: 2 }, 'none', 6],
    [{ cpuPercent: 50, memoryPercent: 50, queueDepth: 101, instances: 2 }, 'up', 4],
    [{ cpuPercent: 50, memoryPercent: 50, queueDepth: 10, instances: 2 }, 'none', 6],
    [{ cpuPercent: 50, memoryPercent: 50, queueDepth: 9, instances: 1 }, 'none', 6],
    [{ cpuPercent: 50, memoryPercent: 50, queueDepth: undefined, instances: 3 }, 'none', 6],
  ])('%o → %s (rule %i)', (input, action, ruleNumber) => {
    expect(evaluateAutoscaler(input)).toMatchObject({ action, ruleNumber });
  });
});

describe('HPA replicas: desired = ceil(current × observed / target)', () => {
  it.each([
    [2, 92, 70, false, 3], // ceil(2.628…)
    [3, 5, 70, false, 1],
    [4, 77, 70, true, 4], // ratio 1.1: inside the band (inclusive)
    [4, 63, 70, true, 4], // ratio 0.9: inside
    [4, 77.7, 70, false, 5], // ratio 1.11: outside
    [4, 62.3, 70, false, 4], // ratio 0.89: outside, ceil(3.56) = 4
    [10, 70, 70, true, 10],
  ])(
    'current %i, observed %f, target %f → within tolerance %s, desired %i',
    (current, observed, target, within, desired) => {
      expect(hpaDesired(current, observed, target, 'cpu')).toMatchObject({
        withinTolerance: within,
        desired,
      });
    },
  );

  it('clamps to min and max replicas', () => {
    expect(clampReplicas(13, 2, 10)).toEqual({ replicas: 10, clamped: 'max' });
    expect(clampReplicas(1, 2, 10)).toEqual({ replicas: 2, clamped: 'min' });
    expect(clampReplicas(5, 2, 10)).toEqual({ replicas: 5 });
  });

  it('many-replicas: 13 wanted, clamped to max 10, and the reason shows both', async () => {
    const advice = adviseScale(await fixture('many-replicas'), 'file', { prices });
    expect(advice.replicas).toMatchObject({ current: 9, desired: 10, min: 2, max: 10 });
    const d = advice.decisions.find((x) => x.id === 'replicas')!;
    expect(d.reason).toBe('cpu: ceil(9 × 95 / 70) = 13; 13 clamped to max 10');
    expect(d.numbers).toMatchObject({ unclamped: 13, desired: 10 });
  });

  it('flags override the snapshot min/max; the largest metric wins', async () => {
    const snap = await fixture('high-cpu'); // cpu → 3; concurrency 60 × 0.3 / 2 = 9 per replica, ratio 0.9 → 2
    const advice = adviseScale(snap, 'file', { prices, maxReplicas: 2 });
    expect(advice.replicas.metrics.map((m) => [m.metric, m.desired])).toEqual([
      ['cpu', 3],
      ['concurrency', 2],
    ]);
    expect(advice.replicas.desired).toBe(2);
    const faster = adviseScale(snap, 'file', { prices, targetConcurrency: 3 }); // 9 / 3 → ceil(2 × 3) = 6
    expect(faster.replicas).toMatchObject({ desired: 6 });
    expect(faster.decisions[1].numbers.metric).toBe('concurrency');
  });
});

describe('pool per replica: load bands bounded by max_connections', () => {
  it.each([
    [0, 2, 'load < 0.3'],
    [0.25, 3, 'load < 0.3'], // max(2, 2.5) → 3
    [0.3, 5, 'load < 0.7'], // max(5, 4.5)
    [0.5, 8, 'load < 0.7'], // 7.5 → 8
    [0.7, 18, 'load ≥ 0.7'], // 17.5 → 18
    [1, 20, 'load ≥ 0.7'], // min(20, 25)
  ])('load %f → %i (%s)', (load, size, band) => {
    const result = poolForLoad(load);
    expect(result.size).toBe(size);
    expect(result.band.startsWith(band)).toBe(true);
  });

  it('max replicas × pool never exceeds max_connections − reserved − margin', () => {
    for (const maxConnections of [20, 50, 100, 429])
      for (const maxReplicas of [1, 3, 10, 30])
        for (const load of [0.1, 0.5, 0.95]) {
          const budget = connectionBudget(maxConnections, 3, 2, 5);
          const pool = boundedPool(load, maxReplicas, budget);
          expect(maxReplicas * pool.size).toBeLessThanOrEqual(maxConnections - 3 - 2 - 5);
          expect(pool.size).toBe(Math.min(poolForLoad(load).size, Math.floor(budget.budget / maxReplicas)));
        }
  });

  it('many-replicas: pool cut from 20 to 9 so 10 × 9 = 90 ≤ 92', async () => {
    const advice = adviseScale(await fixture('many-replicas'), 'file', { prices });
    const d = advice.decisions.find((x) => x.id === 'pool')!;
    expect(advice.pool).toMatchObject({ perReplica: 9, wanted: 20, cap: 9, budget: 92 });
    expect(d.reason).toContain('budget 100 − 3 − 0 − 5 = 92; 10 × 9 = 90 ≤ 92 (cut from 20');
    expect(advice.snippets.containerAppsCli).toContain('MCPOPS_POOL_MAX=9');
  });

  it('the reserve margin is a flag', async () => {
    const advice = adviseScale(await fixture('many-replicas'), 'file', { prices, reserveMargin: 17 });
    expect(advice.pool).toMatchObject({ budget: 80, perReplica: 8 });
  });
});

describe('database tier', () => {
  it('busy-db: CPU and connections exhausted on B1ms → B2s with the monthly delta from the price table', async () => {
    const advice = adviseScale(await fixture('busy-db'), 'file', { prices });
    expect(advice.tier).toMatchObject({
      current: 'B1ms',
      recommended: 'B2s',
      currency: 'USD',
      pricesAsOf: '2026-11-24',
    });
    expect(advice.tier.monthlyDelta).toBeCloseTo(730 * (0.068 - 0.017), 2); // 37.23
    const d = advice.decisions.find((x) => x.id === 'tier')!;
    expect(d.reason).toContain('CPU exhausted and connection headroom exhausted');
    expect(d.reason).toContain('12.41 → 49.64 USD (+37.23), prices as of 2026-11-24, derived figures');
  });

  it('connections alone pick the smallest tier with enough max_connections', async () => {
    const snap = await fixture('busy-db');
    snap.database.cpuPercent = 30;
    snap.database.tier = 'B2s';
    snap.database.maxConnections = 429;
    snap.database.connections.total = 400; // 400 / 426 ≥ 90 %
    const advice = adviseScale(snap, 'file', { prices });
    expect(advice.tier.recommended).toBe('D2ds_v5');
    expect(advice.tier.monthlyDelta).toBeCloseTo(730 * (0.178 - 0.068), 2);
  });

  it('keeps the tier with headroom, and says why', async () => {
    const advice = adviseScale(await fixture('idle'), 'file', { prices });
    expect(advice.tier.recommended).toBeUndefined();
    expect(advice.decisions[3].recommendation).toBe('keep B1ms');
  });

  it('an unknown current tier still names the tier and its cost, without a delta', async () => {
    const snap = await fixture('busy-db');
    snap.database.tier = undefined;
    const advice = adviseScale(snap, 'file', { prices });
    expect(advice.tier.recommended).toBe('B2s');
    expect(advice.tier.monthlyDelta).toBeUndefined();
    expect(advice.decisions[3].reason).toContain('current tier unknown (pass --db-tier)');
  });
});

describe('snapshots and snippets', () => {
  it('rejects a malformed snapshot naming the field (exit 78), and a missing file (exit 64)', async () => {
    const error = (() => {
      try {
        parseSnapshot(
          { app: { replicas: { current: 0 }, cpuPercent: 10, memoryPercent: 10 } },
          'metrics file x',
        );
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.exitCode).toBe(ExitCode.config);
    expect(error!.message).toMatch(/^metrics file x is invalid at app\.replicas\.current: /);
    const missing = await loadSnapshot('test/fixtures/metrics/nope.json').catch((e) => e);
    expect(missing).toBeInstanceOf(UsageError);
    expect(missing.message).toBe('metrics file test/fixtures/metrics/nope.json cannot be read (ENOENT)');
  });

  it('renders a Container Apps scale block, az CLI and a Kubernetes HPA that match the advice', async () => {
    const { parse } = await import('yaml');
    const advice = adviseScale(await fixture('high-cpu'), 'file', { prices, targetCpu: 60 });
    const aca = parse(advice.snippets.containerAppsYaml);
    expect(aca.properties.template.scale).toMatchObject({ minReplicas: 1, maxReplicas: 10 });
    expect(aca.properties.template.scale.rules[0].http.metadata.concurrentRequests).toBe('10');
    const hpa = parse(advice.snippets.kubernetesHpa);
    expect(hpa).toMatchObject({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' });
    expect(hpa.spec.metrics[0].resource.target.averageUtilization).toBe(60);
    expect(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds).toBe(300);
    expect(advice.snippets.containerAppsCli).toContain('--min-replicas 1 --max-replicas 10');
  });

  it('every fixture validates and yields four decisions (a fifth, pgbouncer, only when the pool was cut)', async () => {
    const { readdir } = await import('node:fs/promises');
    for (const file of await readdir('test/fixtures/metrics')) {
      const snap: MetricsSnapshot = await loadSnapshot(`test/fixtures/metrics/${file}`);
      const advice = adviseScale(snap, 'file', { prices });
      const base = ['autoscaler', 'replicas', 'pool', 'tier'];
      const cut = advice.pool.wanted * advice.replicas.max > advice.pool.budget;
      expect(advice.decisions.map((d) => d.id)).toEqual(cut ? [...base, 'pgbouncer'] : base);
    }
  });
});

describe('max_connections set below the tier default', () => {
  it('recommends raising the setting instead of a bigger tier', async () => {
    const advice = adviseScale(await fixture('many-replicas'), 'file', { prices });
    // D2ds_v5 allows 859 by default; the server is set to 100 and 10 × 20 + 3 + 0 + 5 = 208 are needed.
    expect(advice.tier.recommended).toBeUndefined();
    expect(advice.decisions[3].recommendation).toBe(
      "keep D2ds_v5; raise max_connections from 100 to ≥ 208 (the tier's default is 859)",
    );
  });
});

describe('PgBouncer', () => {
  it('many-replicas: recommended with the numbers that make it necessary', async () => {
    const snap = await fixture('many-replicas');
    const advice = adviseScale(snap, 'file', { prices });
    const d = advice.decisions.find((x) => x.id === 'pgbouncer')!;
    // 10 replicas × 20 wanted = 200 client connections > budget 92.
    expect(d.numbers).toMatchObject({ clientConnections: 200, budget: 92 });
    const active = snap.database.connections.active;
    const atMax = Math.ceil((active * 10) / snap.app.replicas.current);
    expect(d.numbers.serverPool).toBe(Math.max(1, Math.min(92, Math.ceil(atMax * 1.25))));
    expect(d.recommendation).toContain(`default_pool_size ${d.numbers.serverPool}`);
    expect(d.reason).toContain('10 × 20 = 200 client connections wanted > budget 92');
  });

  it('not advised when every replica’s wanted pool fits', async () => {
    const advice = adviseScale(await fixture('steady'), 'file', { prices });
    expect(advice.pool.wanted * advice.replicas.max).toBeLessThanOrEqual(advice.pool.budget);
    expect(advice.decisions.find((x) => x.id === 'pgbouncer')).toBeUndefined();
  });
});

describe('the decisions never contradict each other', () => {
  const snapshot = (app: Record<string, unknown>, database: Record<string, unknown>) =>
    parseSnapshot(
      {
        takenAt: '2026-11-25T03:00:00Z',
        app: { replicas: { current: 1, min: 1, max: 10 }, memoryPercent: 30, queueDepth: 0, ...app },
        database: { superuserReserved: 3, tier: 'B1ms', ...database },
      },
      'test',
    );
  it.each([
    // An idle embedded-sized database: 0 of 97 used, but 10 replicas × 2 would not fit in 25.
    [
      'idle, planned peak too big',
      { cpuPercent: 1 },
      { maxConnections: 25, connections: { total: 0 }, cpuPercent: 0 },
      'keep',
    ],
    ['idle', { cpuPercent: 5 }, { maxConnections: 100, connections: { total: 2 }, cpuPercent: 2 }, 'keep'],
    ['busy', { cpuPercent: 60 }, { maxConnections: 100, connections: { total: 50 }, cpuPercent: 60 }, 'keep'],
    [
      'saturated',
      { cpuPercent: 95 },
      { maxConnections: 50, connections: { total: 48 }, cpuPercent: 92 },
      'up',
    ],
  ])('%s', (_name, app, database, tier) => {
    const advice = adviseScale(snapshot(app, database), 'file', { prices });
    const decision = advice.decisions.find((d) => d.id === 'tier')!;
    const usable = (database.maxConnections as number) - 3;
    const usePercent = ((database.connections as { total: number }).total / usable) * 100;
    const pressure = (database.cpuPercent as number) > 80 || usePercent >= 90;
    expect(advice.tier.recommended !== undefined).toBe(tier === 'up');
    // "exhausted" only where the numbers next to it show it, and never a bigger tier without pressure.
    if (!pressure) {
      expect(decision.reason).not.toMatch(/exhausted/);
      expect(advice.tier.recommended).toBeUndefined();
    }
    if (advice.autoscaler.action === 'down') expect(advice.tier.recommended).toBeUndefined();
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { compareEstimates, estimateCost } from '../../src/ops/cost/estimate.js';
import { loadPriceTable, type PriceSheet, selectPrices } from '../../src/ops/cost/prices.js';
import { resolveWorkload, type WorkloadFile } from '../../src/ops/cost/workload.js';

let eastus: PriceSheet;
beforeAll(async () => {
  eastus = selectPrices(await loadPriceTable(), 'eastus', undefined, 'data/azure-prices.json');
});

function estimate(file: WorkloadFile) {
  const { workload, inputs } = resolveWorkload({ file });
  return estimateCost(workload, eastus, inputs);
}
const cost = (e: ReturnType<typeof estimate>, name: string) => {
  const line = e.lines.find((l) => l.name.startsWith(name));
  if (!line) throw new Error(`no line ${name}`);
  return line.monthlyCost;
};

// Every expected figure below is worked out by hand from data/azure-prices.json (East US, USD).
const smallDev: WorkloadFile = {
  name: 'small-dev',
  traffic: { requestsPerMonth: 100_000, avgRequestSeconds: 0.2 },
  containerApps: { sizing: 'requests', minReplicas: 0, vcpu: 0.25, memoryGib: 0.5, concurrency: 1 },
  postgres: { sku: 'B1ms', databaseSizeGb: 0.5, storageGb: 32, backupStorageGb: 10 },
  embeddings: { queriesPerMonth: 20_000, avgQueryTokens: 10, changedProductsPerMonth: 0 },
  logs: { bytesPerRequest: 1000 },
  backups: {
    fullSizeGb: 0.1,
    fullsPerDay: 1,
    incrementalSizeGb: 0,
    incrementalsPerDay: 0,
    retentionDays: 7,
    blockMiB: 8,
    restoresPerMonth: 0,
  },
};

// The reference's production shape: General Purpose D2ds_v5, full daily + hourly incrementals kept 30 days.
const production: WorkloadFile = {
  name: 'production',
  traffic: { requestsPerMonth: 3_000_000, avgRequestSeconds: 0.25 },
  containerApps: {
    sizing: 'replicas',
    replicas: 2,
    minReplicas: 1,
    vcpu: 1,
    memoryGib: 2,
    activeHoursPerMonth: 400,
  },
  postgres: { sku: 'D2ds_v5', databaseSizeGb: 20, storageGb: 128, backupStorageGb: 160 },
  embeddings: {
    queriesPerMonth: 1_500_000,
    avgQueryTokens: 12,
    productCount: 5000,
    changedProductsPerMonth: 500,
    avgDescriptionTokens: 80,
  },
  logs: { bytesPerRequest: 3000 },
  backups: {
    fullSizeGb: 6,
    fullsPerDay: 1,
    incrementalSizeGb: 0.1,
    incrementalsPerDay: 23,
    retentionDays: 30,
    blockMiB: 8,
    restoresPerMonth: 1,
  },
};

const large: WorkloadFile = {
  name: 'large',
  traffic: { requestsPerMonth: 200_000_000, avgRequestSeconds: 0.15 },
  containerApps: { sizing: 'requests', minReplicas: 3, vcpu: 2, memoryGib: 4, concurrency: 5 },
  postgres: { sku: 'Standard_D4ds_v5', databaseSizeGb: 400, storageGb: 512, backupStorageGb: 512 },
  embeddings: {
    model: 'text-embedding-3-large',
    queriesPerMonth: 50_000_000,
    avgQueryTokens: 15,
    changedProductsPerMonth: 20_000,
    avgDescriptionTokens: 100,
  },
  logs: { bytesPerRequest: 2500 },
  backups: {
    fullSizeGb: 2000,
    fullsPerDay: 1,
    incrementalSizeGb: 20,
    incrementalsPerDay: 23,
    retentionDays: 30,
    blockMiB: 100,
    restoresPerMonth: 2,
  },
};

describe('estimateCost: three hand-computed profiles', () => {
  it('small dev: everything inside the free grants except the database', () => {
    const e = estimate(smallDev);
    // active replica-s 100,000 × 0.2 ÷ 1 = 20,000 → 5,000 vCPU-s and 10,000 GiB-s: all free.
    expect(cost(e, 'Container Apps vCPU (active)')).toBe(0);
    expect(cost(e, 'Container Apps memory')).toBe(0);
    expect(cost(e, 'Container Apps requests')).toBe(0);
    expect(cost(e, 'PostgreSQL compute')).toBeCloseTo(12.41, 6); // 730 × 0.017
    expect(cost(e, 'PostgreSQL storage')).toBeCloseTo(3.68, 6); // 32 × 0.115
    expect(cost(e, 'PostgreSQL backup storage')).toBe(0); // 10 GB ≤ 32 GB free
    expect(cost(e, 'Embeddings, queries')).toBeCloseTo(0.004, 6); // 200,000 tokens × 0.02 / 1M
    expect(cost(e, 'Log Analytics')).toBe(0); // 0.1 GB ≤ 5 GB free
    expect(cost(e, 'Blob storage')).toBeCloseTo(0.01456, 6); // 0.7 GB × 0.0208
    expect(cost(e, 'Blob write')).toBeCloseTo(0.002281, 6); // 30.4167 days × 15 writes × 0.05 / 10k
    expect(cost(e, 'Blob list')).toBeCloseTo(0.000152, 6);
    expect(e.total).toBeCloseTo(16.110993, 5);
    expect(e.pricesAsOf).toBe('2026-11-24');
  });

  it('production (D2ds_v5, daily full + hourly incremental, 30 days)', () => {
    const e = estimate(production);
    expect(cost(e, 'Container Apps vCPU (active)')).toBeCloseTo(64.8, 6); // (2,880,000 − 180,000) × 0.000024
    expect(cost(e, 'Container Apps vCPU (idle)')).toBeCloseTo(3.564, 6); // 1,188,000 × 0.000003
    expect(cost(e, 'Container Apps memory')).toBeCloseTo(23.328, 6); // (8,136,000 − 360,000) × 0.000003
    expect(cost(e, 'Container Apps requests')).toBeCloseTo(0.4, 6); // 1,000,000 beyond the free 2M
    expect(cost(e, 'PostgreSQL compute')).toBeCloseTo(129.94, 6);
    expect(cost(e, 'PostgreSQL storage')).toBeCloseTo(14.72, 6);
    expect(cost(e, 'PostgreSQL backup storage')).toBeCloseTo(3.04, 6); // (160 − 128) × 0.095
    expect(cost(e, 'Embeddings, queries')).toBeCloseTo(0.36, 6);
    expect(cost(e, 'Embeddings, re-embedding')).toBeCloseTo(0.0008, 6);
    expect(cost(e, 'Log Analytics')).toBeCloseTo(11.04, 6); // (9 − 5) GB × 2.76
    expect(cost(e, 'Blob storage')).toBeCloseTo(5.1792, 6); // (6 + 0.1 × 23) × 30 = 249 GB
    expect(cost(e, 'Blob write')).toBeCloseTo(0.169573, 6); // 30.4167 × (770 + 23 × 15)
    expect(cost(e, 'Blob read')).toBeCloseTo(0.000308, 6); // 769 reads
    expect(e.total).toBeCloseTo(256.545531, 5);
    const share = Object.fromEntries(e.shares.map((s) => [s.component, s.monthlyCost]));
    expect(share.postgres).toBeCloseTo(147.7, 6);
    expect(share['container-apps']).toBeCloseTo(92.092, 6);
    expect(e.shares.reduce((sum, s) => sum + s.share, 0)).toBeCloseTo(1, 9);
  });

  it('large multi-replica: graduated blob tiers, backup exactly at the free 100 %', () => {
    const e = estimate(large);
    expect(cost(e, 'Container Apps vCPU (active)')).toBeCloseTo(283.68, 6); // 6,000,000 replica-s × 2 vCPU − 180,000
    expect(cost(e, 'Container Apps vCPU (idle)')).toBeCloseTo(11.304, 6); // (3 × 2,628,000 − 6,000,000) × 2
    expect(cost(e, 'Container Apps memory')).toBeCloseTo(93.528, 6);
    expect(cost(e, 'Container Apps requests')).toBeCloseTo(79.2, 6);
    expect(cost(e, 'PostgreSQL compute (Standard_D4ds_v5)')).toBeCloseTo(259.88, 6);
    expect(cost(e, 'PostgreSQL backup storage')).toBe(0);
    expect(cost(e, 'Embeddings, queries (text-embedding-3-large)')).toBeCloseTo(97.5, 6);
    expect(cost(e, 'Log Analytics')).toBeCloseTo(1366.2, 6); // 495 GB × 2.76
    // 73,800 GB: 51,200 × 0.0208 + 22,600 × 0.019968
    expect(cost(e, 'Blob storage')).toBeCloseTo(1516.2368, 6);
    expect(cost(e, 'Blob write')).toBeCloseTo(3.83904, 6);
    expect(e.total).toBeCloseTo(3770.527875, 4);
    expect(e.derivedShare).toBeGreaterThan(0.5);
  });
});

describe('free-grant edges', () => {
  const base: WorkloadFile = {
    containerApps: { sizing: 'replicas', replicas: 1, minReplicas: 1, vcpu: 1, memoryGib: 1 },
  };
  const withLines = (patch: WorkloadFile) =>
    estimate({ ...base, ...patch, containerApps: { ...base.containerApps, ...patch.containerApps } });

  it.each([
    [2_000_000, 0],
    [2_000_001, 0.0000004],
  ])('requests %i → %f', (requests, expected) => {
    expect(
      cost(withLines({ traffic: { requestsPerMonth: requests } }), 'Container Apps requests'),
    ).toBeCloseTo(expected, 9);
  });

  it('vCPU-seconds exactly at 180,000 are free; one more costs one second', () => {
    // 50 active hours × 3600 × 1 vCPU = 180,000 vCPU-s; idle hours go to the idle rate.
    const at = withLines({ containerApps: { activeHoursPerMonth: 50, minReplicas: 0 } });
    expect(cost(at, 'Container Apps vCPU (active)')).toBe(0);
    const above = withLines({ containerApps: { activeHoursPerMonth: 50 + 1 / 3600, minReplicas: 0 } });
    expect(above.lines[0].quantity).toBeCloseTo(1, 6);
    expect(cost(above, 'Container Apps vCPU (active)')).toBeCloseTo(0.000024, 9);
  });

  it('GiB-seconds exactly at 360,000 are free', () => {
    const at = withLines({ containerApps: { activeHoursPerMonth: 100, minReplicas: 0 } });
    expect(cost(at, 'Container Apps memory')).toBe(0);
    const above = withLines({ containerApps: { activeHoursPerMonth: 100 + 1 / 3600, minReplicas: 0 } });
    expect(cost(above, 'Container Apps memory')).toBeCloseTo(0.000003, 9);
  });

  it('the unused free vCPU-seconds carry over to idle seconds', () => {
    // 10 active h = 36,000 vCPU-s; idle 720 h × 3600 = 2,592,000; free left 144,000.
    const e = withLines({ containerApps: { activeHoursPerMonth: 10 } });
    expect(e.lines[1].quantity).toBe(2_592_000 - 144_000);
  });

  it('Log Analytics: exactly 5 GB is free, just above is billed', () => {
    const at = withLines({ traffic: { requestsPerMonth: 5_000_000 }, logs: { bytesPerRequest: 1000 } });
    expect(cost(at, 'Log Analytics')).toBe(0);
    const above = withLines({ traffic: { requestsPerMonth: 5_001_000 }, logs: { bytesPerRequest: 1000 } });
    expect(cost(above, 'Log Analytics')).toBeCloseTo(0.001 * 2.76, 9);
  });

  it('PostgreSQL backup: 100 % of provisioned storage is free, 1 GB more is billed', () => {
    const at = withLines({ postgres: { storageGb: 64, backupStorageGb: 64 } });
    expect(cost(at, 'PostgreSQL backup storage')).toBe(0);
    const above = withLines({ postgres: { storageGb: 64, backupStorageGb: 65 } });
    expect(cost(above, 'PostgreSQL backup storage')).toBeCloseTo(0.095, 9);
  });
});

describe('formulas, inputs and comparison', () => {
  it('every line carries its formula with the numbers and the price status', () => {
    const e = estimate(production);
    expect(e.lines).toHaveLength(14);
    for (const line of e.lines) {
      expect(line.formula).toContain('×');
      expect(['derived', 'verified 2026-07-26', 'verified (date not recorded)']).toContain(line.priceStatus);
    }
    expect(e.lines.find((l) => l.name.startsWith('PostgreSQL compute'))!.formula).toBe(
      '730 h → 730 hour × 0.178 per hour',
    );
  });

  it('says which inputs came from the file and which were assumed', () => {
    const e = estimate({ postgres: { sku: 'B2s' } });
    const source = Object.fromEntries(e.inputs.map((i) => [i.name, i.source]));
    expect(source['postgres.sku']).toBe('file');
    expect(source['traffic.requestsPerMonth']).toBe('assumed');
    expect(e.inputs.find((i) => i.name === 'postgres.storageGb')!.note).toMatch(/× 1.25/);
  });

  it('resolves flag over measured over file', () => {
    const { inputs, workload } = resolveWorkload({
      flags: { postgres: { sku: 'D2ds_v5' } },
      measured: { values: { 'postgres.databaseSizeGb': 3, 'postgres.sku': 'B2s' } },
      file: { postgres: { sku: 'B1ms', databaseSizeGb: 9 } },
    });
    expect(workload.postgres.sku).toBe('D2ds_v5');
    expect(workload.postgres.databaseSizeGb).toBe(3);
    expect(inputs.find((i) => i.name === 'postgres.databaseSizeGb')!.source).toBe('measured');
    expect(workload.postgres.storageGb).toBe(32); // 3 × 1.25 = 3.75 → the 32 GiB size
  });

  it('compares Burstable with General Purpose line by line', () => {
    const a = estimate({
      ...production,
      name: 'burstable',
      postgres: { ...production.postgres, sku: 'B1ms' },
    });
    const b = estimate(production);
    const c = compareEstimates(a, b);
    expect(c.totalDelta).toBeCloseTo(129.94 - 12.41, 6);
    const compute = c.rows.find((r) => r.name.startsWith('PostgreSQL compute'))!;
    expect(compute.name).toBe('PostgreSQL compute (B1MS) / PostgreSQL compute (Standard_D2ds_v5)');
    expect(compute.delta).toBeCloseTo(117.53, 6);
  });
});

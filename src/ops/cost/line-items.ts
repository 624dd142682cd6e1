import { UsageError } from '../../errors.js';
import { describeStatus, type Meter, meter, type PriceSheet, priceQuantity } from './prices.js';
import type { Workload } from './workload.js';

export type Component = 'container-apps' | 'postgres' | 'embeddings' | 'monitoring' | 'blob';

export interface LineItem {
  component: Component;
  name: string;
  meter: string;
  /** Billable quantity, in `unit` (after free grants). */
  quantity: number;
  unit: string;
  /** Price per `per` units, as in the table (the first tier's when tiered). */
  unitPrice: number;
  per: number;
  priceStatus: string;
  monthlyCost: number;
  /** The formula with this workload's numbers in it. */
  formula: string;
}

/** Numbers in formulas: integers grouped, fractions to 6 significant digits. */
export function fmt(n: number): string {
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return Number(n.toPrecision(6)).toLocaleString('en-US', { maximumFractionDigits: 6 });
}

function line(
  component: Component,
  name: string,
  sheet: PriceSheet,
  meterId: string,
  quantity: number,
  formula: string,
): LineItem {
  const m: Meter = meter(sheet, meterId);
  const cost = priceQuantity(m, quantity);
  const tiered = m.tiers ? ' (graduated tiers)' : '';
  const perText = m.per === 1 ? m.unit : `${fmt(m.per)} ${m.unit}s`;
  return {
    component,
    name,
    meter: meterId,
    quantity,
    unit: m.unit,
    unitPrice: m.price,
    per: m.per,
    priceStatus: describeStatus(m),
    monthlyCost: Math.round(cost * 1e9) / 1e9,
    formula: `${formula} → ${fmt(quantity)} ${m.unit} × ${fmt(m.price)} per ${perText}${tiered}`,
  };
}

export function containerAppsLines(w: Workload, sheet: PriceSheet): LineItem[] {
  const c = w.containerApps;
  const monthSeconds = w.hoursPerMonth * 3600;
  let active: number;
  let idle: number;
  let how: string;
  if (c.sizing === 'requests') {
    active = (w.traffic.requestsPerMonth * w.traffic.avgRequestSeconds) / c.concurrency;
    idle = Math.max(0, c.minReplicas * monthSeconds - active);
    how = `active replica-s = ${fmt(w.traffic.requestsPerMonth)} requests × ${fmt(w.traffic.avgRequestSeconds)} s ÷ ${fmt(c.concurrency)} concurrent = ${fmt(active)}; idle replica-s = max(0, ${fmt(c.minReplicas)} min replicas × ${fmt(monthSeconds)} s − active) = ${fmt(idle)}`;
  } else {
    const idleHours = Math.max(0, w.hoursPerMonth - c.activeHoursPerMonth);
    active = c.replicas * c.activeHoursPerMonth * 3600;
    idle = c.minReplicas * idleHours * 3600;
    how = `active replica-s = ${fmt(c.replicas)} replicas × ${fmt(c.activeHoursPerMonth)} h × 3600 = ${fmt(active)}; idle replica-s = ${fmt(c.minReplicas)} min replicas × ${fmt(idleHours)} h × 3600 = ${fmt(idle)}`;
  }
  const free = sheet.freeGrants;
  const activeVcpu = active * c.vcpu;
  const idleVcpu = idle * c.vcpu;
  // The free vCPU-seconds are taken from active usage first (the higher rate), then idle.
  const billableActive = Math.max(0, activeVcpu - free.containerAppsVcpuSeconds);
  const freeLeft = Math.max(0, free.containerAppsVcpuSeconds - activeVcpu);
  const billableIdle = Math.max(0, idleVcpu - freeLeft);
  const gib = (active + idle) * c.memoryGib;
  const requests = w.traffic.requestsPerMonth;
  return [
    line(
      'container-apps',
      'Container Apps vCPU (active)',
      sheet,
      'containerApps.vcpuActive',
      billableActive,
      `${how}; max(0, ${fmt(active)} × ${fmt(c.vcpu)} vCPU − ${fmt(free.containerAppsVcpuSeconds)} free)`,
    ),
    line(
      'container-apps',
      'Container Apps vCPU (idle)',
      sheet,
      'containerApps.vcpuIdle',
      billableIdle,
      `max(0, ${fmt(idle)} idle replica-s × ${fmt(c.vcpu)} vCPU − ${fmt(freeLeft)} free left after active)`,
    ),
    line(
      'container-apps',
      'Container Apps memory',
      sheet,
      'containerApps.memory',
      Math.max(0, gib - free.containerAppsGibSeconds),
      `max(0, (${fmt(active)} + ${fmt(idle)}) replica-s × ${fmt(c.memoryGib)} GiB − ${fmt(free.containerAppsGibSeconds)} free)`,
    ),
    line(
      'container-apps',
      'Container Apps requests',
      sheet,
      'containerApps.requests',
      Math.max(0, requests - free.containerAppsRequests),
      `max(0, ${fmt(requests)} requests − ${fmt(free.containerAppsRequests)} free)`,
    ),
  ];
}

const skuKey = (s: string) => s.replace(/^(B_|GP_|MO_)?Standard_/i, '').toLowerCase();

/** Finds the table's compute meter for a SKU written as B1ms, Standard_B1ms, B1MS or Standard_D2ds_v5. */
export function postgresComputeMeter(sheet: PriceSheet, sku: string): string {
  const ids = Object.keys(sheet.meters).filter((id) => id.startsWith('postgres.compute.'));
  const found = ids.find((id) => skuKey(id.slice('postgres.compute.'.length)) === skuKey(sku));
  if (!found) {
    throw new UsageError(`no PostgreSQL price for SKU "${sku}" in ${sheet.region}`, {
      code: 'prices_sku_missing',
      suggestion: `Use one of: ${ids.map((id) => id.slice('postgres.compute.'.length)).join(', ') || '(none in this region)'}; or run --refresh-prices.`,
    });
  }
  return found;
}

export function postgresLines(w: Workload, sheet: PriceSheet): LineItem[] {
  const p = w.postgres;
  const computeId = postgresComputeMeter(sheet, p.sku);
  const freePct = sheet.freeGrants.postgresBackupPercentOfStorage;
  const freeBackup = (p.storageGb * freePct) / 100;
  return [
    line(
      'postgres',
      `PostgreSQL compute (${computeId.slice('postgres.compute.'.length)})`,
      sheet,
      computeId,
      w.hoursPerMonth,
      `${fmt(w.hoursPerMonth)} h`,
    ),
    line(
      'postgres',
      'PostgreSQL storage',
      sheet,
      'postgres.storage',
      p.storageGb,
      `${fmt(p.storageGb)} GB provisioned`,
    ),
    line(
      'postgres',
      'PostgreSQL backup storage',
      sheet,
      'postgres.backupStorage',
      Math.max(0, p.backupStorageGb - freeBackup),
      `max(0, ${fmt(p.backupStorageGb)} GB − ${fmt(freePct)} % × ${fmt(p.storageGb)} GB free)`,
    ),
  ];
}

export function embeddingLines(w: Workload, sheet: PriceSheet): LineItem[] {
  const e = w.embeddings;
  const id = `openai.embedding.${e.model}`;
  return [
    line(
      'embeddings',
      `Embeddings, queries (${e.model})`,
      sheet,
      id,
      e.queriesPerMonth * e.avgQueryTokens,
      `${fmt(e.queriesPerMonth)} queries × ${fmt(e.avgQueryTokens)} tokens`,
    ),
    line(
      'embeddings',
      `Embeddings, re-embedding (${e.model})`,
      sheet,
      id,
      e.changedProductsPerMonth * e.avgDescriptionTokens,
      `${fmt(e.changedProductsPerMonth)} changed products × ${fmt(e.avgDescriptionTokens)} tokens`,
    ),
  ];
}

export function monitoringLines(w: Workload, sheet: PriceSheet): LineItem[] {
  const gb = (w.traffic.requestsPerMonth * w.logs.bytesPerRequest) / 1e9;
  const free = sheet.freeGrants.logAnalyticsGb;
  return [
    line(
      'monitoring',
      'Log Analytics ingestion',
      sheet,
      'logAnalytics.ingestion',
      Math.max(0, gb - free),
      `max(0, ${fmt(w.traffic.requestsPerMonth)} requests × ${fmt(w.logs.bytesPerRequest)} B ÷ 1e9 = ${fmt(gb)} GB − ${fmt(free)} GB free)`,
    ),
  ];
}

export function blobLines(w: Workload, sheet: PriceSheet): LineItem[] {
  const b = w.backups;
  const days = w.hoursPerMonth / 24;
  const stored =
    (b.fullSizeGb * b.fullsPerDay + b.incrementalSizeGb * b.incrementalsPerDay) * b.retentionDays;
  const blocks = (gb: number) => Math.max(1, Math.ceil((gb * 1024) / b.blockMiB));
  // Each backup: one write per block, one to commit the block list, one for the manifest.
  const fullWrites = blocks(b.fullSizeGb) + 2;
  const incWrites = blocks(b.incrementalSizeGb) + 2;
  const writes = days * (b.fullsPerDay * fullWrites + b.incrementalsPerDay * incWrites);
  const backupsPerMonth = days * (b.fullsPerDay + b.incrementalsPerDay);
  const reads = b.restoresPerMonth * (blocks(b.fullSizeGb) + 1);
  return [
    line(
      'blob',
      'Blob storage, backups (Hot LRS)',
      sheet,
      'blob.hot.storage',
      stored,
      `(${fmt(b.fullSizeGb)} GB × ${fmt(b.fullsPerDay)} full/day + ${fmt(b.incrementalSizeGb)} GB × ${fmt(b.incrementalsPerDay)} incremental/day) × ${fmt(b.retentionDays)} days kept`,
    ),
    line(
      'blob',
      'Blob write operations',
      sheet,
      'blob.hot.writeOperations',
      writes,
      `${fmt(days)} days × (${fmt(b.fullsPerDay)} × ${fmt(fullWrites)} + ${fmt(b.incrementalsPerDay)} × ${fmt(incWrites)}) writes (blocks of ${fmt(b.blockMiB)} MiB + commit + manifest)`,
    ),
    line(
      'blob',
      'Blob read operations',
      sheet,
      'blob.hot.readOperations',
      reads,
      `${fmt(b.restoresPerMonth)} restores × (${fmt(blocks(b.fullSizeGb))} blocks + manifest)`,
    ),
    line(
      'blob',
      'Blob list operations',
      sheet,
      'blob.hot.listOperations',
      backupsPerMonth,
      `${fmt(days)} days × ${fmt(b.fullsPerDay + b.incrementalsPerDay)} backups, one retention listing each`,
    ),
  ];
}

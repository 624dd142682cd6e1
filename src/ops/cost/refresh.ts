import { OperationError } from '../../errors.js';
import type { Meter, PriceTable } from './prices.js';
import {
  clean,
  dedupe,
  fetchAll,
  normalisePrice,
  RETAIL_PRICES_URL,
  type RetailQueryOptions,
  type RetailRow,
} from './retail-api.js';

export { PRICES_API_ENV, RETAIL_PRICES_URL } from './retail-api.js';

export interface RefreshOptions extends RetailQueryOptions {
  region: string;
  /** Free grants are not in the API; they are copied from this table and said so. */
  freeGrants: PriceTable['freeGrants'];
  now?: Date;
}

export interface RefreshResult {
  table: PriceTable;
  found: string[];
  missing: string[];
  requests: number;
}

/** vCores per SKU: rows whose meter is per vCore are multiplied by these. */
const POSTGRES_SKUS: Record<string, number> = { B1MS: 1, B2S: 2, Standard_D2ds_v5: 2, Standard_D4ds_v5: 4 };
const EMBEDDING_MODELS = ['text-embedding-3-small', 'text-embedding-3-large', 'text-embedding-ada-002'];

function toMeter(rows: RetailRow[], unit: string, per: number, date: string): Meter {
  const sorted = [...rows].sort((a, b) => (a.tierMinimumUnits ?? 0) - (b.tierMinimumUnits ?? 0));
  const first = sorted[0];
  const meter: Meter = {
    price: normalisePrice(first, per, unit),
    unit,
    per,
    status: 'verified',
    verifiedOn: date,
    note: `Retail API: ${clean(first.productName)} / ${clean(first.meterName)} (${first.unitOfMeasure})`,
  };
  if (sorted.length > 1)
    meter.tiers = sorted.map((r) => ({
      fromUnits: r.tierMinimumUnits ?? 0,
      price: normalisePrice(r, per, unit),
    }));
  return meter;
}
/** Reads current retail prices for one region and currency into a new price table. */
export async function refreshPrices(options: RefreshOptions): Promise<RefreshResult> {
  const r = options.region;
  const date = (options.now ?? new Date()).toISOString().slice(0, 10);
  const counter = { requests: 0 };
  const scope = `armRegionName eq '${r}' and priceType eq 'Consumption'`;
  const get = async (filter: string) => dedupe(await fetchAll(`${filter} and ${scope}`, options, counter));
  const meters: Record<string, Meter> = {};
  const pick = (id: string, rows: RetailRow[], unit: string, per: number) => {
    if (rows.length) meters[id] = toMeter(rows, unit, per, date);
  };

  const aca = (await get(`serviceName eq 'Azure Container Apps'`)).filter(
    (row) => !/dedicated|gpu|session/i.test(`${row.productName} ${row.meterName}`),
  );
  pick(
    'containerApps.vcpuActive',
    aca.filter((x) => /vCPU Active/i.test(clean(x.meterName))),
    'vCPU-second',
    1,
  );
  pick(
    'containerApps.vcpuIdle',
    aca.filter((x) => /vCPU Idle/i.test(clean(x.meterName))),
    'vCPU-second',
    1,
  );
  pick(
    'containerApps.memory',
    aca.filter((x) => /Memory Active/i.test(clean(x.meterName))),
    'GiB-second',
    1,
  );
  pick(
    'containerApps.requests',
    aca.filter((x) => /Requests/i.test(clean(x.meterName))),
    'request',
    1e6,
  );

  for (const [sku, vcores] of Object.entries(POSTGRES_SKUS)) {
    const rows = (
      await get(`serviceName eq 'Azure Database for PostgreSQL' and armSkuName eq '${sku}'`)
    ).filter(
      (x) =>
        /flexible/i.test(clean(x.productName)) && !/storage|backup|iops|\bHA\b/i.test(clean(x.meterName)),
    );
    const row = rows.find((x) => /vCore/i.test(clean(x.meterName))) ?? rows[0];
    if (row) {
      // A row "per vCore" is a vCore-hour; the SKU's hourly price is that times its vCores.
      const times = /vCore/i.test(clean(row.meterName)) ? vcores : 1;
      const m = toMeter([row], 'hour', 1, date);
      meters[`postgres.compute.${sku}`] = {
        ...m,
        price: m.price * times,
        note: `${m.note} × ${times} vCore`,
      };
    }
  }
  const pgStorage = await get(
    `serviceName eq 'Azure Database for PostgreSQL' and meterName eq 'Storage Data Stored'`,
  );
  pick(
    'postgres.storage',
    pgStorage.filter((x) => /flexible server storage/i.test(clean(x.productName))),
    'GB-month',
    1,
  );
  const pgBackup = await get(
    `serviceName eq 'Azure Database for PostgreSQL' and meterName eq 'Backup Storage LRS Data Stored'`,
  );
  pick(
    'postgres.backupStorage',
    pgBackup.filter((x) => /flexible/i.test(clean(x.productName))),
    'GB-month',
    1,
  );

  const models = await get(`serviceName eq 'Foundry Models'`);
  for (const model of EMBEDDING_MODELS) {
    const key = model.replace(/-/g, '[- ]?');
    const rows = models.filter(
      (x) =>
        new RegExp(key, 'i').test(`${clean(x.meterName)} ${clean(x.productName)}`) &&
        /gl(o)?b(a)?l/i.test(`${x.meterName} ${x.skuName}`),
    );
    pick(`openai.embedding.${model}`, rows.slice(0, 1), 'token', 1e6);
  }

  const logs = (await get(`serviceName eq 'Log Analytics'`)).filter(
    (x) =>
      /Data Ingestion/i.test(clean(x.meterName)) &&
      /analytics logs|pay-as-you-go/i.test(clean(x.meterName)) &&
      x.unitPrice > 0,
  );
  pick('logAnalytics.ingestion', logs.slice(0, 1), 'GB', 1);

  const blob = await get(
    `serviceName eq 'Storage' and productName eq 'General Block Blob v2' and skuName eq 'Hot LRS'`,
  );
  pick(
    'blob.hot.storage',
    blob.filter((x) => /Data Stored/i.test(clean(x.meterName))),
    'GB-month',
    1,
  );
  pick(
    'blob.hot.writeOperations',
    blob.filter((x) => /Write Operations/i.test(clean(x.meterName))).slice(0, 1),
    'operation',
    1e4,
  );
  pick(
    'blob.hot.readOperations',
    blob.filter((x) => /Read Operations/i.test(clean(x.meterName))).slice(0, 1),
    'operation',
    1e4,
  );
  pick(
    'blob.hot.listOperations',
    blob.filter((x) => /List and Create Container/i.test(clean(x.meterName))).slice(0, 1),
    'operation',
    1e4,
  );

  const wanted = [
    'containerApps.vcpuActive',
    'containerApps.vcpuIdle',
    'containerApps.memory',
    'containerApps.requests',
    ...Object.keys(POSTGRES_SKUS).map((s) => `postgres.compute.${s}`),
    'postgres.storage',
    'postgres.backupStorage',
    ...EMBEDDING_MODELS.map((m) => `openai.embedding.${m}`),
    'logAnalytics.ingestion',
    'blob.hot.storage',
    'blob.hot.writeOperations',
    'blob.hot.readOperations',
    'blob.hot.listOperations',
  ];
  const found = wanted.filter((id) => meters[id]);
  if (found.length === 0) {
    throw new OperationError(`the Azure Retail Prices API returned no usable prices for region "${r}"`, {
      code: 'prices_api_empty',
      suggestion: 'Check the region name (armRegionName, e.g. eastus, swedencentral).',
    });
  }
  const currency = options.currency ?? 'USD';
  const table: PriceTable = {
    format: 'mcpops-prices/1',
    takenAt: date,
    source: `Azure Retail Prices API (${new URL(options.baseUrl ?? RETAIL_PRICES_URL).origin}) read ${date}; free grants copied from the shipped table`,
    freeGrants: options.freeGrants,
    regions: { [r]: { [currency]: meters } },
  };
  return { table, found, missing: wanted.filter((id) => !meters[id]), requests: counter.requests };
}

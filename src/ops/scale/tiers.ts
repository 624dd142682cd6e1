import { postgresComputeMeter } from '../cost/line-items.js';
import { meter, type PriceSheet, priceQuantity } from '../cost/prices.js';

/**
 * Azure Database for PostgreSQL Flexible Server tiers scale-advise may recommend, smallest first.
 * vCores and default max_connections are from Azure's documentation (not the price reference);
 * the price comes from the cost model's table.
 */
export const POSTGRES_TIERS = [
  { sku: 'B1ms', vcores: 1, memoryGib: 2, maxConnections: 50 },
  { sku: 'B2s', vcores: 2, memoryGib: 4, maxConnections: 429 },
  { sku: 'D2ds_v5', vcores: 2, memoryGib: 8, maxConnections: 859 },
  { sku: 'D4ds_v5', vcores: 4, memoryGib: 16, maxConnections: 1718 },
] as const;
export type PostgresTier = (typeof POSTGRES_TIERS)[number];

const key = (s: string) => s.replace(/^(B_|GP_|MO_)?Standard_/i, '').toLowerCase();

export function findTier(sku: string | undefined): PostgresTier | undefined {
  return sku ? POSTGRES_TIERS.find((t) => key(t.sku) === key(sku)) : undefined;
}

/** Monthly compute cost of a SKU from the price sheet (hoursPerMonth × hourly), or why not. */
export function monthlyCompute(
  sheet: PriceSheet | undefined,
  sku: string,
  hoursPerMonth = 730,
): { cost: number; status: string } | { error: string } {
  if (!sheet) return { error: 'no price table loaded' };
  try {
    const m = meter(sheet, postgresComputeMeter(sheet, sku));
    return { cost: Math.round(priceQuantity(m, hoursPerMonth) * 100) / 100, status: m.status };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

export interface TierNeed {
  /** Needs more vCores than the current tier. */
  cpu: boolean;
  /** Connections the deployment needs at most (max replicas × wanted pool + reserved + margin). */
  connectionsNeeded?: number;
}

/** The smallest tier above `current` meeting the need (the smallest overall when current is unknown). */
export function nextTier(current: PostgresTier | undefined, need: TierNeed): PostgresTier | undefined {
  const start = current ? POSTGRES_TIERS.indexOf(current) + 1 : 0;
  return POSTGRES_TIERS.slice(start).find(
    (t) =>
      (!need.cpu || !current || t.vcores > current.vcores) &&
      (need.connectionsNeeded === undefined || t.maxConnections >= need.connectionsNeeded),
  );
}

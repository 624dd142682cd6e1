import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError, UsageError } from '../../errors.js';
import { packageRoot } from '../../paths.js';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}/, 'a date like 2026-11-24');

const meterSchema = z.strictObject({
  /** Price for `per` units (e.g. 0.40 per 1,000,000 requests). */
  price: z.number().nonnegative(),
  unit: z.string().min(1),
  per: z.number().positive().default(1),
  /** verified = an API read with a date; derived = computed or inferred (labelled so in output). */
  status: z.enum(['verified', 'derived']),
  verifiedOn: isoDate.optional(),
  note: z.string().optional(),
  /** Graduated tiers by monthly quantity (in `unit`), lowest first; `price` is the first tier's. */
  tiers: z
    .array(z.strictObject({ fromUnits: z.number().nonnegative(), price: z.number().nonnegative() }))
    .min(1)
    .optional(),
});

export const priceTableSchema = z.strictObject({
  format: z.literal('mcpops-prices/1'),
  takenAt: isoDate,
  source: z.string().min(1),
  freeGrants: z.strictObject({
    containerAppsVcpuSeconds: z.number().nonnegative(),
    containerAppsGibSeconds: z.number().nonnegative(),
    containerAppsRequests: z.number().nonnegative(),
    logAnalyticsGb: z.number().nonnegative(),
    postgresBackupPercentOfStorage: z.number().nonnegative(),
  }),
  /** region → currency → meter id → meter. `global` holds meters not priced per region. */
  regions: z.record(
    z.string().min(1),
    z.record(z.string().regex(/^[A-Z]{3}$/), z.record(z.string(), meterSchema)),
  ),
});

export type PriceTable = z.output<typeof priceTableSchema>;
export type Meter = z.output<typeof meterSchema>;
export type FreeGrants = PriceTable['freeGrants'];

/** The prices an estimate uses: one region and currency picked out of a table. */
export interface PriceSheet {
  region: string;
  currency: string;
  takenAt: string;
  source: string;
  file: string;
  freeGrants: FreeGrants;
  meters: Record<string, Meter>;
}

export function shippedPriceFile(): string {
  return join(packageRoot(), 'data', 'azure-prices.json');
}

/** Parses and validates a price table; every problem names the file and the path inside it. */
export function parsePriceTable(text: string, file: string): PriceTable {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`price table ${file} is not valid JSON (${(error as Error).message})`, {
      code: 'prices_invalid',
      suggestion: 'Fix the file, or drop --prices to use the shipped data/azure-prices.json.',
    });
  }
  const parsed = priceTableSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length ? issue.path.join('.') : '(top level)';
    throw new ConfigError(`price table ${file} is invalid at ${where}: ${issue.message}`, {
      code: 'prices_invalid',
      suggestion: 'See docs/cost-estimate.md for the price table format (format "mcpops-prices/1").',
    });
  }
  return parsed.data;
}

export async function loadPriceTable(file = shippedPriceFile()): Promise<PriceTable> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(`price table ${file} cannot be read (${reason})`, {
      code: 'prices_unreadable',
      suggestion: 'Check the --prices path, or drop --prices to use the shipped table.',
    });
  }
  return parsePriceTable(text, file);
}

/**
 * Picks one region and currency. The region's own meters win over `global` ones; a currency
 * the table does not hold is a usage error, never a conversion.
 */
export function selectPrices(
  table: PriceTable,
  region: string,
  currency: string | undefined,
  file: string,
): PriceSheet {
  const regional = table.regions[region];
  if (!regional) {
    throw new UsageError(`the price table has no region "${region}"`, {
      code: 'prices_region_missing',
      suggestion: `Use one of: ${Object.keys(table.regions)
        .filter((r) => r !== 'global')
        .join(', ')}; or run --refresh-prices --region ${region}.`,
    });
  }
  const currencies = Object.keys(regional);
  const chosen = currency?.toUpperCase() ?? (currencies.includes('USD') ? 'USD' : currencies[0]);
  if (!regional[chosen]) {
    throw new UsageError(
      `the price table has no ${chosen} prices for ${region} (it has ${currencies.join(', ')})`,
      {
        code: 'prices_currency_missing',
        suggestion: `Drop --currency, or fetch them: mcpops cost-estimate --refresh-prices --region ${region} --currency ${chosen}.`,
      },
    );
  }
  return {
    region,
    currency: chosen,
    takenAt: table.takenAt,
    source: table.source,
    file,
    freeGrants: table.freeGrants,
    meters: { ...(table.regions.global?.[chosen] ?? {}), ...regional[chosen] },
  };
}

export function meter(sheet: PriceSheet, id: string): Meter {
  const found = sheet.meters[id];
  if (!found) {
    throw new ConfigError(`the price table has no "${id}" price for ${sheet.region} in ${sheet.currency}`, {
      code: 'prices_meter_missing',
      suggestion: `Run mcpops cost-estimate --refresh-prices --region ${sheet.region}, or pass --prices with a table that has it.`,
    });
  }
  return found;
}

/** Cost of `quantity` units under a meter, walking graduated tiers when it has them. */
export function priceQuantity(m: Meter, quantity: number): number {
  if (quantity <= 0) return 0;
  if (!m.tiers) return (quantity / m.per) * m.price;
  let cost = 0;
  m.tiers.forEach((tier, i) => {
    const upper = m.tiers![i + 1]?.fromUnits ?? Number.POSITIVE_INFINITY;
    const inTier = Math.min(quantity, upper) - tier.fromUnits;
    if (inTier > 0) cost += (inTier / m.per) * tier.price;
  });
  return cost;
}

/** "verified 2026-07-26", "verified (date not recorded)" or "derived": shown next to every price. */
export function describeStatus(m: Meter): string {
  if (m.status === 'derived') return 'derived';
  return m.verifiedOn ? `verified ${m.verifiedOn}` : 'verified (date not recorded)';
}

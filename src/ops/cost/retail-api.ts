import { OperationError, UnavailableError } from '../../errors.js';

export const RETAIL_PRICES_URL = 'https://prices.azure.com/api/retail/prices';
/** Test hook: point the refresh at another base URL (a loopback server in tests). */
export const PRICES_API_ENV = 'MCPOPS_PRICES_API_URL';

/** One row of the API's Items (the fields mcpops reads). */
export interface RetailRow {
  currencyCode: string;
  retailPrice?: number;
  unitPrice: number;
  tierMinimumUnits?: number;
  armRegionName: string;
  armSkuName?: string;
  meterName: string;
  productName: string;
  skuName?: string;
  serviceName: string;
  unitOfMeasure: string;
  type?: string;
  effectiveStartDate?: string;
  isPrimaryMeterRegion?: boolean;
}

/** Paging and request options of one Retail Prices API query. */
export interface RetailQueryOptions {
  baseUrl?: string;
  currency?: string;
  maxPages?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Fetches every page of one filter; NextPageLink is followed on the configured base URL only. */
export async function fetchAll(
  filter: string,
  options: RetailQueryOptions,
  counter: { requests: number },
): Promise<RetailRow[]> {
  const base = new URL(options.baseUrl ?? RETAIL_PRICES_URL);
  const first = new URL(base);
  first.searchParams.set('api-version', '2023-01-01-preview');
  if (options.currency && options.currency !== 'USD')
    first.searchParams.set('currencyCode', `'${options.currency}'`);
  first.searchParams.set('$filter', filter);
  const rows: RetailRow[] = [];
  let next: URL | undefined = first;
  for (let page = 0; next && page < (options.maxPages ?? 20); page++) {
    const signals = [
      AbortSignal.timeout(options.timeoutMs ?? 20_000),
      ...(options.signal ? [options.signal] : []),
    ];
    let response: Response;
    try {
      counter.requests++;
      response = await fetch(next, {
        signal: AbortSignal.any(signals),
        headers: { accept: 'application/json' },
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
      throw new UnavailableError(`cannot reach the Azure Retail Prices API at ${base.origin} (${cause})`, {
        code: 'prices_api_unreachable',
        suggestion:
          'Check the network or proxy; or drop --refresh-prices to use the shipped table (its date is shown), or pass --prices FILE.',
        cause: error,
      });
    }
    if (!response.ok) {
      throw new UnavailableError(`the Azure Retail Prices API answered HTTP ${response.status}`, {
        code: 'prices_api_error',
        suggestion: 'Retry later; drop --refresh-prices to use the shipped table.',
      });
    }
    const body = (await response.json()) as { Items?: RetailRow[]; NextPageLink?: string | null };
    if (!Array.isArray(body.Items)) {
      throw new OperationError('the Azure Retail Prices API answered without an Items list', {
        code: 'prices_api_shape',
        suggestion: 'The API format may have changed; use the shipped table or --prices FILE meanwhile.',
      });
    }
    rows.push(...body.Items);
    const link: string | null | undefined = body.NextPageLink;
    next = link ? new URL(new URL(link).pathname + new URL(link).search, base.origin) : undefined;
  }
  if (next) {
    // Stopping early would silently drop rows; a filter this broad is a bug to fix, not to hide.
    throw new OperationError(
      `the Azure Retail Prices API had more than ${options.maxPages ?? 20} pages for one query`,
      {
        code: 'prices_api_too_many_pages',
        suggestion:
          'Report this: the query filter needs narrowing. Use the shipped table or --prices FILE meanwhile.',
      },
    );
  }
  return rows;
}

/** Price per `per` of our unit, from a row's unitOfMeasure ("1 Hour", "10K", "1M", "1 GB/Month", "1 Second"). */
export function normalisePrice(row: RetailRow, per: number, ourUnit: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KM])?/i.exec(row.unitOfMeasure.trim());
  let count = m
    ? Number(m[1]) * (m[2]?.toUpperCase() === 'K' ? 1e3 : m[2]?.toUpperCase() === 'M' ? 1e6 : 1)
    : 1;
  if (/second/i.test(ourUnit) && /hour/i.test(row.unitOfMeasure)) count *= 3600;
  return (row.unitPrice / count) * per;
}

/** Names from the API sometimes hold non-breaking spaces. */
export const clean = (s: string | undefined) => (s ?? '').replace(/\u00a0/g, ' ');

/** Primary-region rows only when the API marks them, one row per tier (duplicates dropped). */
export function dedupe(rows: RetailRow[]): RetailRow[] {
  const primary = rows.filter((r) => r.isPrimaryMeterRegion !== false);
  const seen = new Set<string>();
  return primary.filter((r) => {
    const key = `${r.meterName}|${r.productName}|${r.tierMinimumUnits ?? 0}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

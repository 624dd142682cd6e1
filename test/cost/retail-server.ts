import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const FIXTURE = new URL('./fixtures/retail-prices.json', import.meta.url);

export interface RetailServer {
  url: string;
  requests: string[];
  close(): Promise<void>;
}

/**
 * A loopback stand-in for prices.azure.com: serves the recorded-shape rows, filtered by the
 * `field eq 'value'` clauses of $filter, 3 per page, with NextPageLink pointing at the real host
 * (as the API does) so the client's rewrite onto its base URL is exercised.
 */
export async function startRetailServer(pageSize = 3): Promise<RetailServer> {
  const rows: Array<Record<string, unknown>> = JSON.parse(readFileSync(FIXTURE, 'utf8')).Items;
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push(url.pathname + url.search);
    if (
      url.pathname !== '/api/retail/prices' ||
      url.searchParams.get('api-version') !== '2023-01-01-preview'
    ) {
      res.writeHead(404).end();
      return;
    }
    const filter = url.searchParams.get('$filter') ?? '';
    const clauses = [...filter.matchAll(/(\w+) eq '([^']*)'/g)].map(([, field, value]) => [
      field === 'priceType' ? 'type' : field,
      value,
    ]);
    const matching = rows.filter((row) => clauses.every(([field, value]) => row[field] === value));
    const skip = Number(url.searchParams.get('$skip') ?? 0);
    const page = matching.slice(skip, skip + pageSize);
    const next = new URL('https://prices.azure.com:443/api/retail/prices');
    for (const [key, value] of url.searchParams) if (key !== '$skip') next.searchParams.set(key, value);
    next.searchParams.set('$skip', String(skip + pageSize));
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        BillingCurrency: 'USD',
        CustomerEntityId: 'Default',
        CustomerEntityType: 'Retail',
        Items: page,
        NextPageLink: skip + pageSize < matching.length ? next.toString() : null,
        Count: page.length,
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/retail/prices`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

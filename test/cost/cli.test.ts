import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/azurite.js';
import { runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { type RetailServer, startRetailServer } from './retail-server.js';

let dir: string;
let api: RetailServer;
let db: TestDatabase;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcpops-cost-cli-'));
  api = await startRetailServer(50);
  db = await createTestDatabase('mcpops_cost_cli');
  await db.admin.query(`CREATE SCHEMA retail;
    CREATE TABLE retail.products (product_id serial PRIMARY KEY, product_description text);
    INSERT INTO retail.products (product_description) VALUES (repeat('x', 200)), (repeat('y', 100));`);
  await writeFile(
    join(dir, 'burstable.yaml'),
    'name: burstable\npostgres:\n  sku: B1ms\n  storageGb: 64\ncontainerApps:\n  replicas: 2\n',
  );
  await writeFile(
    join(dir, 'gp.json'),
    JSON.stringify({ name: 'general-purpose', postgres: { sku: 'D2ds_v5', storageGb: 64 } }),
  );
  await writeFile(join(dir, 'typo.yaml'), 'postgres:\n  skuu: B1ms\n');
  await writeFile(join(dir, 'negative.yaml'), 'traffic:\n  requestsPerMonth: -5\n');
});
afterAll(async () => {
  await api?.close();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('mcpops cost-estimate', () => {
  it('prints a costed table with the price date, formulas and input sources', async () => {
    const r = await runCli(['cost-estimate', '--workload', join(dir, 'burstable.yaml')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Cost estimate "burstable" — eastus, USD per month — prices as of 2026-11-24');
    expect(r.stdout).toMatch(
      /PostgreSQL compute \(B1MS\).*730 hour.*0\.017 \/ hour.*verified 2026-07-26.*12\.41/,
    );
    expect(r.stdout).toContain('Formulas:');
    expect(r.stdout).toMatch(/postgres\.sku\s*│ B1ms\s*│ file/);
    expect(r.stdout).toMatch(/traffic\.requestsPerMonth\s*│ 1000000\s*│ assumed/);
  });

  it('--json: one document with lines, total, shares, inputs and the price date', async () => {
    const r = await runCli([
      'cost-estimate',
      '--json',
      '--set',
      'postgres.sku=D2ds_v5',
      '--region',
      'eastus',
    ]);
    expect(r.code).toBe(0);
    const doc = r.json();
    expect(doc).toMatchObject({ ok: true, version: expect.any(String) });
    expect(doc.estimate).toMatchObject({ region: 'eastus', currency: 'USD', pricesAsOf: '2026-11-24' });
    expect(doc.estimate.lines).toHaveLength(14);
    expect(Object.keys(doc.estimate.lines[0]).sort()).toEqual(
      [
        'component',
        'formula',
        'meter',
        'monthlyCost',
        'name',
        'per',
        'priceStatus',
        'quantity',
        'unit',
        'unitPrice',
      ].sort(),
    );
    expect(doc.estimate.shares.map((s: { component: string }) => s.component)).toEqual([
      'container-apps',
      'postgres',
      'embeddings',
      'monitoring',
      'blob',
    ]);
    const inputs = Object.fromEntries(doc.estimate.inputs.map((i: any) => [i.name, i.source]));
    expect(inputs['postgres.sku']).toBe('flag');
    expect(inputs.region).toBe('flag');
  });

  it('--compare shows two profiles side by side', async () => {
    const r = await runCli([
      'cost-estimate',
      '--json',
      '--workload',
      join(dir, 'burstable.yaml'),
      '--compare',
      join(dir, 'gp.json'),
    ]);
    expect(r.code).toBe(0);
    const c = r.json().comparison;
    expect(c.b.name).toBe('general-purpose');
    expect(c.rows.find((row: any) => row.name.startsWith('PostgreSQL compute')).delta).toBeCloseTo(
      730 * (0.178 - 0.017),
      6,
    );
    const human = await runCli([
      'cost-estimate',
      '--workload',
      join(dir, 'burstable.yaml'),
      '--compare',
      join(dir, 'gp.json'),
    ]);
    expect(human.stdout).toContain('Compared: "burstable" vs "general-purpose" (prices as of 2026-11-24)');
  });

  it.each([
    [['--currency', 'EUR'], 64, 'mcpops: the price table has no EUR prices for eastus (it has USD)'],
    [['--region', 'mars'], 64, 'mcpops: the price table has no region "mars"'],
    [['--workload', 'missing.yaml'], 64, 'cannot be read (ENOENT)'],
    [['--workload', 'typo.yaml'], 78, 'is invalid at postgres: Unrecognized key: "skuu"'],
    [['--workload', 'negative.yaml'], 78, 'is invalid at traffic.requestsPerMonth'],
    [['--set', 'postgres.size=3'], 64, 'mcpops: --set postgres.size=3: expected key=value with a known key'],
    [['--set', 'postgres.sku=Z9'], 64, 'mcpops: no PostgreSQL price for SKU "Z9" in eastus'],
    [['--prices', 'nope.json'], 78, 'cannot be read (ENOENT)'],
  ])('%j → exit %i with a clear message', async (args, code, message) => {
    const r = await runCli(['cost-estimate', ...args], { cwd: dir });
    expect(r.code).toBe(code);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain('fix: ');
    expect(r.stdout).toBe('');
  });

  it('--refresh-prices reads the API (test hook MCPOPS_PRICES_API_URL) and writes a new table', async () => {
    const out = join(dir, 'refreshed.json');
    const r = await runCli(['cost-estimate', '--json', '--refresh-prices', '--prices-out', out], {
      env: { MCPOPS_PRICES_API_URL: api.url },
    });
    expect(r.code).toBe(0);
    const doc = r.json();
    expect(doc.estimate.pricesAsOf).toBe(new Date().toISOString().slice(0, 10));
    expect(doc.refreshed.file).toBe(out);
    expect(existsSync(out)).toBe(true);
    expect(doc.warnings).toContain(
      'the retail API had no price for: openai.embedding.text-embedding-ada-002',
    );
    // Without --json the same note goes to stderr.
    const human = await runCli(['cost-estimate', '--refresh-prices', '--prices-out', out], {
      env: { MCPOPS_PRICES_API_URL: api.url },
    });
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`Fetched 17 prices from the Azure Retail Prices API → ${out}`);
    expect(human.stderr).toContain(
      'note: the retail API had no price for: openai.embedding.text-embedding-ada-002',
    );
  });

  it('--refresh-prices offline: exit 69 and a JSON error, no estimate from stale prices', async () => {
    const port = await freePort();
    const r = await runCli(['cost-estimate', '--json', '--refresh-prices'], {
      env: { MCPOPS_PRICES_API_URL: `http://127.0.0.1:${port}/api/retail/prices` },
      cwd: dir,
    });
    expect(r.code).toBe(69);
    expect(r.json()).toMatchObject({
      ok: false,
      error: {
        code: 'prices_api_unreachable',
        message: `cannot reach the Azure Retail Prices API at http://127.0.0.1:${port} (ECONNREFUSED)`,
      },
    });
  });

  it('--measure fills inputs from the database and a backup folder', async () => {
    const backups = join(dir, 'backups');
    await rm(backups, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(join(backups, 'manifests'), { recursive: true }));
    await writeFile(
      join(backups, 'manifests', 'zava_backup_full_20261124_020000.json'),
      JSON.stringify({
        format: 'mcpops-backup/1',
        type: 'full',
        finishedAt: '2026-11-24T02:01:00Z',
        totals: { uploadedBytes: 536870912 },
      }),
    );
    const r = await runCli([
      'cost-estimate',
      '--json',
      '--measure',
      '--database-url',
      db.url,
      '--backup-dir',
      backups,
    ]);
    expect(r.code).toBe(0);
    const inputs = Object.fromEntries(r.json().estimate.inputs.map((i: any) => [i.name, i]));
    expect(inputs['embeddings.productCount']).toMatchObject({ value: 2, source: 'measured' });
    expect(inputs['embeddings.avgDescriptionTokens']).toMatchObject({ value: 38, source: 'measured' }); // ceil(150 / 4)
    expect(inputs['backups.fullSizeGb']).toMatchObject({ value: 0.5, source: 'measured' });
    expect(inputs['postgres.databaseSizeGb'].source).toBe('measured');
    expect(inputs['containerApps.vcpu'].source).toBe('assumed');
    expect(r.json().warnings.join('\n')).toContain('no server URL');
  });

  it('--measure with an unreachable database is exit 69', async () => {
    const r = await runCli([
      'cost-estimate',
      '--measure',
      '--database-url',
      'postgres://postgres@127.0.0.1:1/x',
    ]);
    expect(r.code).toBe(69);
    expect(r.stderr).toContain('mcpops: cannot connect to');
  });
});

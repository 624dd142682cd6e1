#!/usr/bin/env node
// bench/guard: the SQL guard's check time against its baseline, the bare libpg-query parse of
// the same text, in one run. Also the guard with the live catalog (one round trip to a loopback
// PostgreSQL) and with a warm CatalogCache. Prints a table, writes bench/results/guard.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { CatalogCache, checkReadOnlySql, pgProcLookup } from '../../dist/src/db/guard/index.js';
import { loadSqlParser } from '../../dist/src/db/sql-parser.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');
const ITERATIONS = Number(process.env.BENCH_GUARD_ITERATIONS ?? 3000);
const WARMUP = 200;
const TIME_LIMIT_MS = 10_000; // per measurement
const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const QUERIES = {
  typical:
    'SELECT s.store_name, sum(oi.total_amount) AS revenue FROM retail.order_items oi ' +
    'JOIN retail.stores s ON s.store_id = oi.store_id GROUP BY s.store_name ORDER BY revenue DESC',
  complex: `WITH monthly AS (
  SELECT date_trunc('month', o.order_date)::date AS month, c.category_name,
         sum(oi.total_amount) AS revenue, count(DISTINCT o.order_id) AS orders
  FROM retail.orders o
  JOIN retail.order_items oi ON oi.order_id = o.order_id
  JOIN retail.products p ON p.product_id = oi.product_id
  JOIN retail.categories c ON c.category_id = p.category_id
  WHERE o.order_date BETWEEN DATE '2024-01-01' AND DATE '2025-12-31'
    AND oi.discount_percent IN (0, 5, 10)
  GROUP BY 1, 2
), ranked AS (
  SELECT month, category_name, revenue, orders,
         revenue - lag(revenue) OVER (PARTITION BY category_name ORDER BY month) AS change,
         dense_rank() OVER (PARTITION BY month ORDER BY revenue DESC) AS r
  FROM monthly
)
SELECT to_char(month, 'YYYY-MM') AS month, category_name, round(revenue, 2) AS revenue,
       coalesce(round(100 * change / nullif(revenue - change, 0), 1), 0) AS growth_pct,
       CASE WHEN r = 1 THEN 'top' WHEN r <= 3 THEN 'podium' ELSE 'rest' END AS tier,
       (SELECT count(*) FROM retail.customers cu WHERE cu.created_at < month) AS customers_then
FROM ranked
WHERE r <= 5 AND category_name ILIKE '%TOOLS%'
  AND EXISTS (SELECT 1 FROM retail.stores st WHERE st.is_online)
ORDER BY month, r
LIMIT 200`,
};

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function measure(fn) {
  for (let i = 0; i < WARMUP; i++) await fn();
  const samples = [];
  const started = performance.now();
  for (let i = 0; i < ITERATIONS && performance.now() - started < TIME_LIMIT_MS; i++) {
    const t0 = performance.now();
    await fn();
    samples.push((performance.now() - t0) * 1000);
  }
  samples.sort((a, b) => a - b);
  return { n: samples.length, p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

const lib = await loadSqlParser();
const client = new pg.Client({ connectionString: DATABASE_URL });
let database = true;
await client.connect().catch((error) => {
  database = false;
  process.stderr.write(
    `no database at ${new URL(DATABASE_URL).host} (${error.code ?? error.message}); catalog rows skipped\n`,
  );
});
const lookup = database ? pgProcLookup(client) : undefined;
const cached = lookup ? new CatalogCache().wrap(lookup) : undefined;

const results = [];
for (const [name, sql] of Object.entries(QUERIES)) {
  const baseline = await measure(() => lib.parseSync(sql));
  const variants = [
    ['libpg-query parse (baseline)', baseline],
    ['guard, no catalog', await measure(() => checkReadOnlySql(sql))],
  ];
  if (lookup) {
    variants.push([
      'guard + pg_proc lookup (1 round trip)',
      await measure(() => checkReadOnlySql(sql, { lookup })),
    ]);
    variants.push([
      'guard + warm CatalogCache',
      await measure(() => checkReadOnlySql(sql, { lookup: cached })),
    ]);
    variants.push(['SELECT 1 round trip (reference)', await measure(() => client.query('SELECT 1'))]);
  }
  for (const [variant, m] of variants) {
    results.push({
      query: name,
      variant,
      n: m.n,
      p50_us: m.p50,
      p99_us: m.p99,
      ratio_p50: m.p50 / baseline.p50,
    });
  }
}
if (database) await client.end();

const fmt = (us) => (us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(1)} µs`);
const rows = results.map((r) => [
  r.query,
  r.variant,
  String(r.n),
  fmt(r.p50_us),
  fmt(r.p99_us),
  `${r.ratio_p50.toFixed(2)}×`,
]);
const header = ['query', 'variant', 'n', 'p50', 'p99', 'p50 vs parse'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
console.log(line(header));
for (const r of rows) console.log(line(r));

mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(
  join(root, 'bench', 'results', 'guard.json'),
  `${JSON.stringify({ bench: 'guard', date: new Date().toISOString(), node: process.version, iterations: ITERATIONS, queries: QUERIES, results }, null, 2)}\n`,
);

#!/usr/bin/env node
// Embedded database start times (run `npm run build` first; imports from dist/).
//   first start:  empty folder → worker up, Zava schema + sample loaded, ready to query
//   second start: existing folder → ready (median of BENCH_RUNS, default 5)
//   restart:      a query past a 1 s limit → error, and → the next query answered
// Baselines in the same run: a bare in-process PGlite.create() on an empty folder (initdb only)
// and on the existing folder (open only), without worker process, socket server or init.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';

const dist = (path) => new URL(`../../dist/src/${path}`, import.meta.url).href;
const { loadConfig, assertConfigValid } = await import(dist('config/load.js'));
const { openEmbeddedDatabase } = await import(dist('db/embedded/index.js'));
const { zavaFirstStart } = await import(dist('ops/bootstrap/open.js'));

const runs = Math.min(Number(process.env.BENCH_RUNS ?? 5), 20);
const scales = (process.env.BENCH_SCALES ?? 'tiny,small').split(',');
const root = mkdtempSync(join(tmpdir(), 'mcpops-bench-embedded-'));

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const seconds = (ms) => Math.round(ms) / 1000;

async function configFor(dir, env = {}) {
  const loaded = await loadConfig({ env: { MCPOPS_EMBEDDED_DIR: dir, ...env }, cwd: root });
  return assertConfigValid(loaded);
}

async function open(config, phases) {
  const started = performance.now();
  const marks = [];
  const db = await openEmbeddedDatabase(
    config,
    { kind: 'embedded', dir: config.embeddedDir },
    {
      initialise: zavaFirstStart(config),
      onProgress: (message) => {
        const label = message.startsWith('creating') ? 'start worker (initdb)' : message;
        if (marks.at(-1)?.[0] !== label) marks.push([label, performance.now()]);
      },
    },
  );
  if (phases) for (let i = 0; i + 1 < marks.length; i++) phases[marks[i][0]] = marks[i + 1][1] - marks[i][1];
  return { db, ms: performance.now() - started };
}

async function barePglite(dir) {
  const started = performance.now();
  const db = await PGlite.create(dir, { extensions: { vector } });
  await db.query('SELECT 1');
  const ms = performance.now() - started;
  await db.close();
  return ms;
}

const os = await import('node:os');
// Start-up is CPU-bound (WASM compile, initdb): record how busy the machine was.
const results = {
  node: process.version,
  runs,
  scales: {},
  cpus: os.cpus().length,
  loadavgBefore: os.loadavg(),
};
try {
  const bareFirst = await barePglite(join(root, 'bare'));
  const bareAgain = [];
  for (let i = 0; i < runs; i++) bareAgain.push(await barePglite(join(root, 'bare')));
  results.baseline = { bareFirstMs: bareFirst, bareOpenMedianMs: median(bareAgain) };

  for (const scale of scales) {
    const config = await configFor(join(root, scale), {
      MCPOPS_EMBEDDED_SCALE: scale,
      MCPOPS_STATEMENT_TIMEOUT_MS: '1000',
    });
    const phases = {};
    const first = await open(config, phases);
    const orders = (await first.db.pool.query('SELECT count(*)::int AS n FROM retail.orders')).rows[0]?.n;
    await first.db.close();
    const again = [];
    for (let i = 0; i < runs; i++) {
      const { db, ms } = await open(config);
      again.push(ms);
      await db.close();
    }
    // Cost of enforcing a time limit: error at the limit, then the worker restart.
    const { db } = await open(config);
    const t0 = performance.now();
    const error = await db.pool.query('SELECT count(*) FROM generate_series(1, 200000000)').catch((e) => e);
    const errorMs = performance.now() - t0;
    await db.pool.query('SELECT 1');
    const recoveredMs = performance.now() - t0;
    await db.close();
    results.scales[scale] = {
      firstStartMs: first.ms,
      phasesMs: phases,
      ordersRows: orders,
      secondStartMedianMs: median(again),
      secondStartRunsMs: again,
      timeout: { code: error?.code, errorAfterMs: errorMs, answeredAgainAfterMs: recoveredMs },
    };
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}

const table = [
  { case: 'bare PGlite.create, empty folder (baseline)', seconds: seconds(results.baseline.bareFirstMs) },
  {
    case: `bare PGlite.create, existing folder (baseline, median of ${runs})`,
    seconds: seconds(results.baseline.bareOpenMedianMs),
  },
];
for (const [scale, r] of Object.entries(results.scales)) {
  table.push(
    {
      case: `first start, scale ${scale}`,
      seconds: seconds(r.firstStartMs),
      'vs baseline': `${(r.firstStartMs / results.baseline.bareFirstMs).toFixed(1)}×`,
    },
    {
      case: `second start, scale ${scale} (median of ${runs})`,
      seconds: seconds(r.secondStartMedianMs),
      'vs baseline': `${(r.secondStartMedianMs / results.baseline.bareOpenMedianMs).toFixed(1)}×`,
    },
    { case: `1 s limit: timeout error (${r.timeout.code})`, seconds: seconds(r.timeout.errorAfterMs) },
    { case: '1 s limit: next query answered', seconds: seconds(r.timeout.answeredAgainAfterMs) },
  );
}
results.loadavgAfter = os.loadavg();
console.table(table);
console.log(
  `load average before/after: ${results.loadavgBefore[0].toFixed(1)} / ${results.loadavgAfter[0].toFixed(1)} on ${results.cpus} CPUs`,
);
for (const [scale, r] of Object.entries(results.scales)) {
  console.log(
    `first start phases, ${scale}:`,
    Object.fromEntries(Object.entries(r.phasesMs).map(([k, v]) => [k, seconds(v)])),
  );
}
const outDir = fileURLToPath(new URL('../results/', import.meta.url));
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'embedded.json'), JSON.stringify(results, null, 2));

#!/usr/bin/env node
// Semantic search on PGlite + pgvector with N synthetic products (default 100,000):
//  1. local provider throughput (texts/s on this thread) against the 5,000/s target;
//  2. `embeddings sync` end to end (pg over PGlite's socket server, batches committed);
//  3. the search query exact (sequential scan, the baseline) vs HNSW (m=16, ef_construction=64)
//     at several hnsw.ef_search values: p50/p99 latency and recall@10 against the exact answer.
// Bounded: N, the query count and a wall-clock budget (BENCH_BUDGET_S) cap every loop.
// Usage: npm run build && node bench/vector/index.js [--products 100000] [--queries 100]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';
import pgvector from 'pgvector';
import { CATALOGUE } from '../../dist/src/db/sample-data/catalogue.js';
import { createRandom } from '../../dist/src/db/sample-data/prng.js';
import { createLocalProvider } from '../../dist/src/embeddings/local.js';
import { syncEmbeddings } from '../../dist/src/embeddings/sync.js';

const { values: args } = parseArgs({
  options: {
    products: { type: 'string', default: process.env.BENCH_PRODUCTS ?? '100000' },
    queries: { type: 'string', default: process.env.BENCH_QUERIES ?? '100' },
    vectors: { type: 'string', default: process.env.BENCH_VECTORS ?? 'local' },
  },
});
const N = Math.min(200_000, Math.max(1000, Number(args.products)));
const Q = Math.min(1000, Math.max(10, Number(args.queries)));
const BUDGET_MS = Number(process.env.BENCH_BUDGET_S ?? 3600) * 1000;
const EF_SEARCH = [40, 100, 400, 1000];
// local: the products' own vectors from `embeddings sync` with the local provider (the default).
// dense: synthetic dense unit vectors of low intrinsic dimension (a 32-dimension Gaussian mixture
// mapped into 1536 by a fixed random matrix), a stand-in for model embeddings such as Azure
// OpenAI's: NOT real model vectors; they show how the same index behaves on dense data.
const DENSE = args.vectors === 'dense';
const started = Date.now();
const root = fileURLToPath(new URL('../../', import.meta.url));
const log = (message) =>
  process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0)} s] ${message}\n`);
const overBudget = () => Date.now() - started > BUDGET_MS;

// Synthetic catalogue: the sample's vocabulary recombined with brands and model numbers, so
// texts are distinct but read like the real ones.
const BRANDS = ['Zava', 'Northwind', 'Contoso', 'Fabrikam', 'Tailspin', 'Litware', 'Proseware', 'Adatum'];
function syntheticProducts(count, random) {
  const types = CATALOGUE.flatMap((category, ci) => category.types.map((type) => ({ category, ci, type })));
  const products = [];
  for (let i = 0; i < count; i++) {
    const { category, ci, type } = types[i % types.length];
    const [item, , use] = random.pick(type.items);
    const variant = random.pick(type.variants);
    const brand = random.pick(BRANDS);
    const name = `${brand} ${variant} ${item} ${String.fromCharCode(65 + (i % 26))}${100 + (i % 900)}`;
    const description = `${name} ${use}. ${random.pick(type.features)} ${random.pick(type.features)} ${random.pick(category.context)}`;
    products.push({
      id: i + 1,
      categoryId: ci + 1,
      typeId: types.indexOf(types[i % types.length]) + 1,
      name,
      description,
    });
  }
  return { products, types };
}

function querySet(count, random) {
  const words = CATALOGUE.flatMap((c) => c.types.flatMap((t) => t.items.map(([item]) => item)));
  const out = [];
  for (let i = 0; i < count; i++) {
    const item = random.pick(words).split(' ');
    // Two or three words of an item name, sometimes with a category word: short, like real queries.
    const start = random.int(0, Math.max(0, item.length - 2));
    out.push(
      item.slice(start, start + random.int(2, 3)).join(' ') +
        (random.next() < 0.3 ? ` ${random.pick(CATALOGUE).name.toLowerCase()}` : ''),
    );
  }
  return out;
}

// CPU time of this process (PGlite, the socket server and the pg client all run in it): what one
// core spends, whatever else the machine is doing; wall time is reported next to it.
const cpuSeconds = (since) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
};
function gaussian(random) {
  let u = 0;
  while (u === 0) u = random.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.next());
}

function denseModel(random, rank = 32, clusters = 500, dimensions = 1536) {
  const w = Float64Array.from({ length: dimensions * rank }, () => gaussian(random));
  const centers = Array.from({ length: clusters }, () =>
    Float64Array.from({ length: rank }, () => gaussian(random)),
  );
  const z = new Float64Array(rank);
  const x = new Float64Array(dimensions);
  return () => {
    const center = centers[Math.floor(random.next() * clusters)];
    for (let k = 0; k < rank; k++) z[k] = center[k] + 0.6 * gaussian(random);
    let norm = 0;
    for (let d = 0; d < dimensions; d++) {
      let sum = 0;
      for (let k = 0; k < rank; k++) sum += w[d * rank + k] * z[k];
      x[d] = sum;
      norm += sum * sum;
    }
    const scale = 1 / Math.sqrt(norm);
    const parts = new Array(dimensions);
    for (let d = 0; d < dimensions; d++) parts[d] = Math.round(x[d] * scale * 1e5) / 1e5;
    return `[${parts.join(',')}]`;
  };
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
function stats(samples) {
  if (samples.length === 0) return { p50: Number.NaN, p99: Number.NaN, mean: Number.NaN };
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    mean: samples.reduce((s, x) => s + x, 0) / samples.length,
  };
}

async function main() {
  const random = createRandom(424242);
  const provider = createLocalProvider();
  log(`generating ${N} synthetic products and ${Q} queries`);
  const { products, types } = syntheticProducts(N, random);
  const queries = querySet(Q, random);

  // 1. Local provider throughput, this thread only (the CPU work of embed()).
  const sample = products.slice(0, Math.min(N, 20_000)).map((p) => `${p.name}\n${p.description}`);
  await provider.embed(sample.slice(0, 1000));
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await provider.embed(sample);
  const localSeconds = (performance.now() - t0) / 1000;
  const localCpuSeconds = cpuSeconds(c0);
  const local = {
    texts: sample.length,
    seconds: localSeconds,
    cpuSeconds: localCpuSeconds,
    textsPerSecond: sample.length / localSeconds,
    textsPerCpuSecond: sample.length / localCpuSeconds,
    target: 5000,
  };
  log(
    `local provider: ${Math.round(local.textsPerCpuSecond)} texts per CPU-second (${Math.round(local.textsPerSecond)}/s wall)`,
  );

  // 2. Database with the Zava schema, then `embeddings sync` over pg through the socket server.
  const db = await PGlite.create({ extensions: { vector } });
  await db.exec('CREATE EXTENSION IF NOT EXISTS vector');
  await db.exec(readFileSync(join(root, 'sql/zava/schema.sql'), 'utf8'));
  await db.exec(readFileSync(join(root, 'sql/zava/vector.sql'), 'utf8'));
  await db.query(
    'INSERT INTO retail.categories (category_id, category_name) SELECT i, n FROM unnest($1::int[], $2::text[]) AS u(i, n)',
    [CATALOGUE.map((_, i) => i + 1), CATALOGUE.map((c) => c.name)],
  );
  await db.query(
    'INSERT INTO retail.product_types (type_id, category_id, type_name) SELECT * FROM unnest($1::int[], $2::int[], $3::text[])',
    [types.map((_, i) => i + 1), types.map((t) => t.ci + 1), types.map((t) => t.type.name)],
  );
  for (let i = 0; i < N; i += 10_000) {
    const chunk = products.slice(i, i + 10_000);
    await db.query(
      `INSERT INTO retail.products (product_id, sku, product_name, category_id, type_id, cost, base_price, product_description)
       SELECT id, 'SKU-' || id, name, c, t, 10, 14.93, d FROM unnest($1::int[], $2::text[], $3::int[], $4::int[], $5::text[]) AS u(id, name, c, t, d)`,
      [
        chunk.map((p) => p.id),
        chunk.map((p) => p.name),
        chunk.map((p) => p.categoryId),
        chunk.map((p) => p.typeId),
        chunk.map((p) => p.description),
      ],
    );
  }
  const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections: 8 });
  await server.start();
  const pool = new pg.Pool({
    connectionString: `postgres://postgres@${server.getServerConn()}/postgres`,
    max: 4,
  });
  pool.on('error', () => {});
  let sync;
  let syncCpuSeconds;
  let denseQueries;
  if (DENSE) {
    log('dense vectors: generating and inserting (no sync)');
    const make = denseModel(random);
    const t = performance.now();
    const c = process.cpuUsage();
    for (let i = 0; i < N; i += 1000) {
      const ids = products.slice(i, i + 1000).map((p) => p.id);
      await db.query(
        'INSERT INTO retail.product_description_embeddings (product_id, description_embedding) SELECT id, v::vector FROM unnest($1::int[], $2::text[]) AS u(id, v)',
        [ids, ids.map(() => make())],
      );
    }
    denseQueries = Array.from({ length: Q }, () => make());
    syncCpuSeconds = cpuSeconds(c);
    sync = {
      embedded: N,
      durationMs: performance.now() - t,
      textsPerSecond: 0,
      interrupted: false,
      dense: true,
    };
    log(`inserted ${N} dense vectors in ${(sync.durationMs / 1000).toFixed(0)} s`);
  } else {
    log('embeddings sync (local provider, batch 200, concurrency 2)');
    const budget = new AbortController();
    const timer = setTimeout(
      () => budget.abort(new Error('budget')),
      Math.max(60_000, BUDGET_MS / 2 - (Date.now() - started)),
    );
    let lastLog = 0;
    const syncCpu = process.cpuUsage();
    sync = await syncEmbeddings(pool, provider, {
      batchSize: 200,
      concurrency: 2,
      signal: budget.signal,
      onProgress: ({ done, total }) => {
        if (Date.now() - lastLog > 10_000) {
          lastLog = Date.now();
          log(`  ${done}/${total}`);
        }
      },
    });
    clearTimeout(timer);
    syncCpuSeconds = cpuSeconds(syncCpu);
    log(
      `sync: ${sync.embedded} products in ${(sync.durationMs / 1000).toFixed(1)} s (${sync.textsPerSecond}/s)${sync.interrupted ? ' — stopped by the time budget' : ''}`,
    );
  }
  await db.exec('ANALYZE retail.product_description_embeddings');

  // 3. The search SQL the tool runs (k = 10, no threshold), exact first, then through HNSW.
  const searchSql = readFileSync(join(root, 'sql/embeddings/search.sql'), 'utf8');
  const queryVectors = DENSE ? denseQueries : (await provider.embed(queries)).map((v) => pgvector.toSql(v));
  const client = await pool.connect();
  async function run(label, setup) {
    const latencies = [];
    const cpu = [];
    const answers = [];
    const distances = [];
    // One unmeasured query first: the first one after a build or a setting change pays for cold pages.
    await client.query('BEGIN');
    await client.query(setup);
    await client.query({ text: searchSql, values: [queryVectors[0], 10, 2], queryMode: 'extended' });
    await client.query('ROLLBACK');
    for (const q of queryVectors) {
      if (overBudget()) break;
      await client.query('BEGIN');
      await client.query(setup);
      const t = performance.now();
      const c = process.cpuUsage();
      const { rows } = await client.query({ text: searchSql, values: [q, 10, 2], queryMode: 'extended' });
      latencies.push(performance.now() - t);
      cpu.push(cpuSeconds(c) * 1000);
      await client.query('ROLLBACK');
      answers.push(rows.map((r) => r.product_id));
      distances.push(rows.map((r) => r.similarity_distance));
    }
    log(`${label}: ${answers.length} queries, p50 ${stats(latencies).p50.toFixed(1)} ms`);
    return { label, latencies, cpu, answers, distances };
  }
  const exact = await run('exact (seq scan)', 'SET LOCAL enable_indexscan = off');
  const exactPlan = (await client.query(`EXPLAIN ${searchSql}`, [queryVectors[0], 10, 2])).rows
    .map((r) => r['QUERY PLAN'])
    .join('\n');

  log('CREATE INDEX … USING hnsw (m = 16, ef_construction = 64)');
  await db.exec("SET maintenance_work_mem = '1GB'");
  const tIndex = performance.now();
  const cIndex = process.cpuUsage();
  await db.exec(
    'CREATE INDEX idx_product_description_embeddings_hnsw ON retail.product_description_embeddings USING hnsw (description_embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)',
  );
  const indexSeconds = (performance.now() - tIndex) / 1000;
  const indexCpuSeconds = cpuSeconds(cIndex);
  log(`index built in ${indexSeconds.toFixed(0)} s`);
  const hnswPlan = (await client.query(`EXPLAIN ${searchSql}`, [queryVectors[0], 10, 2])).rows
    .map((r) => r['QUERY PLAN'])
    .join('\n');

  const rows = [];
  const exactStats = stats(exact.latencies);
  const exactCpu = stats(exact.cpu);
  rows.push({
    search: 'exact (baseline)',
    efSearch: '-',
    ...exactStats,
    cpuP50: exactCpu.p50,
    cpuP99: exactCpu.p99,
    recallAt10: 1,
    tieAwareRecallAt10: 1,
    nearRecallAt10: 1,
    speedup: 1,
    cpuSpeedup: 1,
  });
  for (const ef of EF_SEARCH) {
    const result = await run(`hnsw ef_search=${ef}`, `SET LOCAL hnsw.ef_search = ${ef}`);
    // recall@10 two ways: the exact ids, and tie-aware (a product as close as the exact 10th
    // counts: near-duplicate synthetic products often tie, and either of two tied ones is right).
    let hits = 0;
    let tieHits = 0;
    let nearHits = 0;
    let total = 0;
    result.answers.forEach((ids, i) => {
      const truth = new Set(exact.answers[i]);
      const tenth = exact.distances[i].at(-1) ?? 0;
      total += truth.size;
      hits += ids.filter((id) => truth.has(id)).length;
      tieHits += Math.min(truth.size, result.distances[i].filter((d) => d <= tenth + 1e-6).length);
      // Within half a similarity point of the exact 10th (sp differs by < 0.5).
      nearHits += Math.min(truth.size, result.distances[i].filter((d) => d <= tenth + 0.005).length);
    });
    const s = stats(result.latencies);
    const c = stats(result.cpu);
    rows.push({
      search: 'hnsw',
      efSearch: ef,
      ...s,
      cpuP50: c.p50,
      cpuP99: c.p99,
      cpuSpeedup: exactCpu.p50 / c.p50,
      recallAt10: total ? hits / total : 0,
      tieAwareRecallAt10: total ? tieHits / total : 0,
      nearRecallAt10: total ? nearHits / total : 0,
      speedup: exactStats.p50 / s.p50,
    });
  }
  client.release();
  await pool.end();
  await server.stop();
  await db.close();

  console.log(
    `\n${N} products × 1536 dimensions (${DENSE ? 'synthetic dense vectors' : 'local provider vectors'}), ${exact.answers.length} queries, k = 10 (PGlite ${PGlite.version ?? ''}, ${availableParallelism()} CPUs shared)`,
  );
  console.table(
    rows.map((r) => ({
      search: r.search,
      ef_search: r.efSearch,
      'p50 ms': r.p50.toFixed(2),
      'p99 ms': r.p99.toFixed(2),
      'CPU p50 ms': r.cpuP50.toFixed(2),
      'CPU p99 ms': r.cpuP99.toFixed(2),
      'recall@10 (ids)': r.recallAt10.toFixed(3),
      'recall@10 (ties)': r.tieAwareRecallAt10.toFixed(3),
      'recall@10 (±0.5 sp)': r.nearRecallAt10.toFixed(3),
      'speed-up (p50)': `${r.speedup.toFixed(1)}×`,
      'speed-up (CPU p50)': `${r.cpuSpeedup.toFixed(1)}×`,
    })),
  );
  console.table([
    {
      measure: 'local provider (one core)',
      value: `${Math.round(local.textsPerCpuSecond)} texts per CPU-second (${Math.round(local.textsPerSecond)}/s wall)`,
      target: '≥ 5,000 texts/s',
      ratio: `${(local.textsPerCpuSecond / 5000).toFixed(2)}×`,
    },
    {
      measure: 'embeddings sync end to end',
      value: `${sync.embedded} products: ${(sync.durationMs / 1000).toFixed(1)} s wall (${sync.textsPerSecond}/s), ${syncCpuSeconds.toFixed(1)} CPU-s (${Math.round(sync.embedded / syncCpuSeconds)}/CPU-s)`,
      target: '-',
      ratio: '-',
    },
    {
      measure: 'HNSW build',
      value: `${indexSeconds.toFixed(1)} s wall, ${indexCpuSeconds.toFixed(1)} CPU-s`,
      target: '-',
      ratio: '-',
    },
  ]);
  const outDir = join(root, 'bench/results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    join(outDir, DENSE ? 'vector-dense.json' : 'vector.json'),
    JSON.stringify(
      {
        products: N,
        vectors: DENSE ? 'dense (synthetic, rank 32)' : 'local provider',
        queries: exact.answers.length,
        node: process.version,
        loadAverage: loadavg(),
        local,
        sync: { ...sync, cpuSeconds: syncCpuSeconds },
        indexSeconds,
        indexCpuSeconds,
        rows,
        exactPlan,
        hnswPlan,
      },
      null,
      2,
    ),
  );
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

#!/usr/bin/env node
// Search quality on the sample catalogue (450 products): the needs in needs.js, each labelled
// with the product types that answer it, searched the way semantic_search_products does
// (sql/embeddings/search.sql in a store session, threshold 30 %, 5 rows) for every offline
// provider, vector only and hybrid (vector + full text by reciprocal rank fusion), and full text
// alone; the hashed `local` provider is the baseline in the same run. Reports hit@5 (a right type
// among the first 5), precision@5 (share of the first 5 of a right type), top-1, embeds/s, query
// p50 and this process's RSS with the provider loaded.
// Usage: npm run build && node bench/vector/quality.js [--providers use-lite,local] [--k 60]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';
import { generateSampleData } from '../../dist/src/db/sample-data/generate.js';
import { withStoreSession } from '../../dist/src/db/session.js';
import { HEAD_OFFICE_ID } from '../../dist/src/db/stores.js';
import { createEmbeddingProvider } from '../../dist/src/embeddings/index.js';
import { searchProducts } from '../../dist/src/embeddings/search.js';
import { syncEmbeddings } from '../../dist/src/embeddings/sync.js';
import { stampOf } from '../../dist/src/embeddings/types.js';
import { NEEDS } from './needs.js';

const { values: args } = parseArgs({
  options: {
    providers: { type: 'string', default: 'local,use-lite' },
    k: { type: 'string', default: '60' },
    'text-weight': { type: 'string', default: '1' },
  },
});
const root = fileURLToPath(new URL('../../', import.meta.url));
const sql = (name) => readFileSync(join(root, 'sql', `${name}.sql`), 'utf8');
const rssMb = () => Math.round(process.memoryUsage().rss / 2 ** 20);
const log = (message) => process.stderr.write(`${message}\n`);

const db = await PGlite.create({ extensions: { vector } });
await db.exec('CREATE EXTENSION IF NOT EXISTS vector');
for (const name of ['zava/schema', 'zava/fulltext', 'zava/vector']) await db.exec(sql(name));
const sample = generateSampleData('tiny');
for (const name of ['categories', 'product_types', 'products']) {
  const table = sample.tables.find((t) => t.table === name);
  const records = table.rows.map((row) => Object.fromEntries(table.columns.map((c, i) => [c, row[i]])));
  await db.query(
    `INSERT INTO retail.${name} SELECT * FROM jsonb_populate_recordset(null::retail.${name}, $1::jsonb)`,
    [JSON.stringify(records)],
  );
}
const typeOf = new Map(
  (
    await db.query(
      'SELECT p.product_id, t.type_name FROM retail.products p JOIN retail.product_types t USING (type_id)',
    )
  ).rows.map((r) => [r.product_id, r.type_name]),
);
const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections: 8 });
await server.start();
const pool = new pg.Pool({
  connectionString: `postgres://postgres@${server.getServerConn()}/postgres`,
  max: 4,
});
const config = { embeddingProvider: 'local', embeddingDeployment: 'none', azureOpenaiApiVersion: 'none' };
const k = Number(args.k);
const textWeight = Number(args['text-weight']);

async function evaluate(provider, blend) {
  let hit = 0;
  let precision = 0;
  let top1 = 0;
  const latencies = [];
  const misses = [];
  for (const [need, types] of NEEDS) {
    const started = performance.now();
    const [queryVector] = await provider.embed([need]);
    const result = await withStoreSession(
      pool,
      { role: 'postgres', rlsUserId: HEAD_OFFICE_ID, statementTimeoutMs: 10_000, hnswEfSearch: 40 },
      (client) =>
        searchProducts(client, queryVector, stampOf(provider), {
          maxRows: 5,
          similarityThreshold: 30,
          queryText: need,
          blend,
        }),
    );
    latencies.push(performance.now() - started);
    const ids = result.rows.map((row) => row[0]);
    const right = ids.map((id) => types.includes(typeOf.get(id)));
    if (right.some(Boolean)) hit++;
    else misses.push(`${need} → ${result.rows[0]?.[2] ?? '(nothing)'}`);
    if (right[0]) top1++;
    precision += right.filter(Boolean).length / 5;
  }
  latencies.sort((a, b) => a - b);
  const n = NEEDS.length;
  return {
    hitAt5: +(hit / n).toFixed(3),
    precisionAt5: +(precision / n).toFixed(3),
    top1: +(top1 / n).toFixed(3),
    queryP50Ms: +latencies[Math.floor(n / 2)].toFixed(1),
    misses,
  };
}

const results = {
  date: new Date().toISOString(),
  needs: NEEDS.length,
  k,
  textWeight,
  loadavgStart: loadavg()[0],
  rows: [],
};
for (const name of args.providers.split(',')) {
  const provider = await createEmbeddingProvider({ ...config, embeddingProvider: name });
  const rssBefore = rssMb();
  // CPU time of the whole process (the model's worker thread included), next to wall time:
  // the machine is shared, so the wall rate moves with its load.
  const cpu = process.cpuUsage();
  const sync = await syncEmbeddings(pool, provider, { batchSize: 64, concurrency: 1 });
  const used = process.cpuUsage(cpu);
  const syncCpuS = (used.user + used.system) / 1e6;
  const queries = NEEDS.map(([need]) => need);
  const started = performance.now();
  const queryCpu = process.cpuUsage();
  for (const query of queries) await provider.embed([query]);
  const queryUsed = process.cpuUsage(queryCpu);
  const loaded = {
    provider: name,
    model: provider.model,
    syncTextsPerSecond: sync.textsPerSecond,
    syncTextsPerCpuSecond: Math.round(sync.embedded / syncCpuS),
    queryEmbedMs: +((performance.now() - started) / queries.length).toFixed(1),
    queryEmbedCpuMs: +((queryUsed.user + queryUsed.system) / 1000 / queries.length).toFixed(1),
    loadMs: provider.loadMs,
    rssBeforeMb: rssBefore,
    rssLoadedMb: rssMb(),
  };
  for (const [mode, blend] of [
    ['vector', { vectorWeight: 1, textWeight: 0, rrfK: k }],
    ['hybrid', { vectorWeight: 1, textWeight, rrfK: k }],
  ]) {
    const row = { ...loaded, mode, ...(await evaluate(provider, blend)) };
    log(
      `${name} ${mode}: hit@5 ${row.hitAt5} p@5 ${row.precisionAt5} top1 ${row.top1} p50 ${row.queryP50Ms} ms, sync ${row.syncTextsPerSecond}/s wall, ${row.syncTextsPerCpuSecond}/CPU-s, RSS ${row.rssLoadedMb} MB`,
    );
    results.rows.push(row);
  }
  if (name === args.providers.split(',')[0]) {
    const row = {
      provider: 'full text only',
      mode: 'text',
      ...(await evaluate(provider, { vectorWeight: 0, textWeight: 1, rrfK: k })),
    };
    log(`full text only: hit@5 ${row.hitAt5} p@5 ${row.precisionAt5} top1 ${row.top1}`);
    results.rows.push(row);
  }
  await provider.close?.();
}
results.loadavgEnd = loadavg()[0];
await pool.end();
await server.stop();
await db.close();
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'vector-quality.json'), `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(
  `${JSON.stringify(
    results.rows.map(({ misses, ...row }) => row),
    null,
    2,
  )}\n`,
);

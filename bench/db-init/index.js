#!/usr/bin/env node
// bench/db-init: `mcpops db init --sample-data --scale full` (50,000 customers) on the local
// server, next to the baseline in the same run: plain `psql` \copy of the same generated rows
// (written once as COPY text files) into the same schema, indexes and policies in one
// transaction. Figure: rows per second; target ours ≥ 0.5 × psql.
// Needs `npm run build`. Usage: node bench/db-init/index.js [--scale full|medium|small|tiny]
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { pgEnv, serverUrl, urlFor } from '../lib/server.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');
const CLI = join(root, 'bin', 'mcpops.js');
const scaleArg = process.argv.indexOf('--scale');
const SCALE = scaleArg > 0 ? process.argv[scaleArg + 1] : 'full';
const STEP_LIMIT_MS = 10 * 60_000;
if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(serverUrl.hostname))
  throw new Error('bench runs on loopback only');

const { generateSampleData, sampleRowCount } = await import(
  join(root, 'dist/src/db/sample-data/generate.js')
);
const { encodeCopyRows, sampleChecksum } = await import(join(root, 'dist/src/db/sample-data/copy-text.js'));
const { initDatabase } = await import(join(root, 'dist/src/db/init/index.js'));

async function admin(sql, db = 'postgres') {
  const client = new pg.Client({ connectionString: urlFor(db) });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

const suffix = randomBytes(3).toString('hex');
const ours = `mcpops_bench_dbinit_ours_${suffix}`;
const base = `mcpops_bench_dbinit_psql_${suffix}`;
const bare = `mcpops_bench_dbinit_bare_${suffix}`;
const work = mkdtempSync(join(tmpdir(), 'mcpops-bench-dbinit-'));
const results = { scale: SCALE, server: (await admin('SHOW server_version')).rows[0].server_version };

try {
  // The data, generated once; its size and the generator's own speed.
  let t = performance.now();
  const data = generateSampleData(SCALE);
  results.generateMs = Math.round(performance.now() - t);
  results.rows = sampleRowCount(data);
  results.checksum = sampleChecksum(data);
  for (const table of data.tables)
    writeFileSync(join(work, `${table.table}.copy`), encodeCopyRows(table.rows));
  const rowsOf = Object.fromEntries(data.tables.map((x) => [x.table, x.rows.length]));

  // Ours: the CLI, end to end (generation, schema, roles, RLS, COPY, sequences, ANALYZE, counts).
  t = performance.now();
  const run = spawnSync(
    process.execPath,
    [CLI, 'db', 'init', '--sample-data', '--scale', SCALE, '--database-url', urlFor(ours), '--json'],
    {
      env: { PATH: process.env.PATH, HOME: work, CI: 'true' },
      timeout: STEP_LIMIT_MS,
      encoding: 'utf8',
    },
  );
  results.oursMs = Math.round(performance.now() - t);
  if (run.status !== 0) throw new Error(`db init failed (${run.status}): ${run.stderr}`);
  const report = JSON.parse(run.stdout);
  for (const [table, n] of Object.entries(rowsOf)) {
    if (report.rowCounts[table] !== n)
      throw new Error(`db init loaded ${report.rowCounts[table]} ${table}, expected ${n}`);
  }

  // Ours, the load phase alone (in-process, same code): from the first COPY row to the end of init.
  await admin(`DROP DATABASE "${ours}" WITH (FORCE)`);
  await admin(`CREATE DATABASE "${ours}"`);
  const pool = new pg.Pool({ connectionString: urlFor(ours), max: 2 });
  let loadStart = 0;
  await initDatabase(pool, {
    readerRole: 'zava_reader',
    loginRole: 'zava_serve',
    sampleData: true,
    scale: SCALE,
    onProgress: (p) => {
      if (p.phase === 'loading sample data' && !loadStart) loadStart = performance.now();
    },
  });
  // Includes the server finishing the COPYs (FK checks), COMMIT, sequences, ANALYZE and the row counts.
  results.oursLoadMs = Math.round(performance.now() - loadStart);
  await pool.end();

  // Baseline: the same schema (db init without sample data), then psql \copy of the same rows, one transaction.
  await admin(`CREATE DATABASE "${base}"`);
  const basePool = new pg.Pool({ connectionString: urlFor(base), max: 2 });
  await initDatabase(basePool, { readerRole: 'zava_reader', loginRole: 'zava_serve' });
  await basePool.end();
  const script = data.tables
    .map((x) => `\\copy retail.${x.table} (${x.columns.join(', ')}) FROM '${join(work, `${x.table}.copy`)}'`)
    .join('\n');
  writeFileSync(join(work, 'load.sql'), `${script}\n`);
  t = performance.now();
  const copy = spawnSync(
    'psql',
    ['-X', '-q', '-1', '-v', 'ON_ERROR_STOP=1', '-d', base, '-f', join(work, 'load.sql')],
    {
      env: pgEnv,
      timeout: STEP_LIMIT_MS,
      encoding: 'utf8',
    },
  );
  results.psqlMs = Math.round(performance.now() - t);
  if (copy.status !== 0) throw new Error(`psql \\copy failed: ${copy.stderr}`);

  // Second baseline, the floor: psql \copy into bare tables (no foreign keys or secondary
  // indexes; mcpops drops and rebuilds those around its load, so this is the raw COPY cost).
  await admin(`CREATE DATABASE "${bare}"`);
  const barePool = new pg.Pool({ connectionString: urlFor(bare), max: 1 });
  await initDatabase(barePool, { readerRole: 'zava_reader', loginRole: 'zava_serve' });
  const { rows: deferrable } = await barePool.query(
    readFileSync(join(root, 'sql/zava/deferrable-objects.sql'), 'utf8'),
  );
  for (const o of deferrable) {
    await barePool.query(
      o.kind === 'constraint'
        ? `ALTER TABLE ${o.tbl} DROP CONSTRAINT "${o.name}"`
        : `DROP INDEX retail."${o.name}"`,
    );
  }
  await barePool.end();
  t = performance.now();
  const bareCopy = spawnSync(
    'psql',
    ['-X', '-q', '-1', '-v', 'ON_ERROR_STOP=1', '-d', bare, '-f', join(work, 'load.sql')],
    {
      env: pgEnv,
      timeout: STEP_LIMIT_MS,
      encoding: 'utf8',
    },
  );
  results.psqlBareMs = Math.round(performance.now() - t);
  if (bareCopy.status !== 0) throw new Error(`psql \\copy (bare) failed: ${bareCopy.stderr}`);
  results.psqlBareRowsPerSec = Math.round(results.rows / (results.psqlBareMs / 1000));
  results.loadAverage = loadavg().map((x) => Math.round(x * 10) / 10);

  results.oursRowsPerSec = Math.round(results.rows / (results.oursMs / 1000));
  results.oursLoadRowsPerSec = Math.round(results.rows / (results.oursLoadMs / 1000));
  results.psqlRowsPerSec = Math.round(results.rows / (results.psqlMs / 1000));
  results.ratioEndToEnd = Math.round((results.oursRowsPerSec / results.psqlRowsPerSec) * 100) / 100;
  results.ratioLoad = Math.round((results.oursLoadRowsPerSec / results.psqlRowsPerSec) * 100) / 100;

  const rows = [
    [
      'mcpops db init --sample-data (end to end, CLI)',
      results.oursMs,
      results.oursRowsPerSec,
      results.ratioEndToEnd,
    ],
    [
      'db init load phase (COPY…COMMIT, ANALYZE, counts)',
      results.oursLoadMs,
      results.oursLoadRowsPerSec,
      results.ratioLoad,
    ],
    ['baseline: psql -1 \\copy of the same rows', results.psqlMs, results.psqlRowsPerSec, 1],
    [
      'floor: psql \\copy into tables without FKs/indexes',
      results.psqlBareMs,
      results.psqlBareRowsPerSec,
      results.psqlBareRowsPerSec / results.psqlRowsPerSec,
    ],
  ];
  console.log(
    `db init at scale ${SCALE}: ${results.rows} rows (generated in ${results.generateMs} ms), PostgreSQL ${results.server}`,
  );
  console.log(['what'.padEnd(50), 'ms'.padStart(8), 'rows/s'.padStart(10), '× psql'.padStart(8)].join(' '));
  for (const [what, ms, rate, ratio] of rows) {
    console.log(
      [what.padEnd(50), String(ms).padStart(8), String(rate).padStart(10), ratio.toFixed(2).padStart(8)].join(
        ' ',
      ),
    );
  }
  console.log(
    `load average during the run: ${results.loadAverage.join(' ')} (2 shared cores: figures are noisy)`,
  );
  console.log(`target: end to end ≥ 0.5 × psql → ${results.ratioEndToEnd >= 0.5 ? 'met' : 'NOT met'}`);
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(
    join(root, 'bench', 'results', 'db-init.json'),
    `${JSON.stringify({ at: new Date().toISOString(), ...results }, null, 2)}\n`,
  );
} finally {
  for (const db of [ours, base, bare])
    await admin(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`).catch(() => {});
  rmSync(work, { recursive: true, force: true });
}

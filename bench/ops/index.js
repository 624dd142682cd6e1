#!/usr/bin/env node
// bench/ops: (1) `mcpops health --json` wall time on the sample database against a bare
// `psql -c 'select 1'` (both whole processes, same run); (2) `mcpops index apply` of one index
// on a 2-million-row table while a writer inserts, against a plain CREATE INDEX CONCURRENTLY
// from psql, with the writer's insert latency (p50/p99) during each and with no build at all.
// Prints a table, writes bench/results/ops.json. Loopback PostgreSQL only; every loop is bounded.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { initDatabase } from '../../dist/src/db/init/index.js';
import { urlFor } from '../lib/server.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');
const CLI = join(root, 'bin', 'mcpops.js');
const HEALTH_RUNS = Number(process.env.BENCH_OPS_HEALTH_RUNS ?? 7);
const ROWS = Number(process.env.BENCH_OPS_ROWS ?? 2_000_000);
const BUILD_LIMIT_MS = 120_000;

function run(command, args, env = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {
      env: { ...process.env, CI: 'true', ...env },
      cwd: tmpdir(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), BUILD_LIMIT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/** Inserts one row at a time until stopped (bounded by count and time); returns latencies. */
function startWriter(url) {
  const client = new pg.Client({ connectionString: url });
  let running = true;
  const latencies = [];
  let failures = 0;
  const done = (async () => {
    await client.connect();
    const deadline = Date.now() + BUILD_LIMIT_MS;
    while (running && Date.now() < deadline && latencies.length < 2_000_000) {
      const t0 = performance.now();
      try {
        await client.query('INSERT INTO bench_rows (a, b, note) VALUES ($1, $2, $3)', [
          Math.floor(Math.random() * 1e6),
          Math.floor(Math.random() * 1000),
          'writer',
        ]);
        latencies.push(performance.now() - t0);
      } catch {
        failures++;
      }
    }
    await client.end();
  })();
  return {
    async stop() {
      running = false;
      await done;
      const sorted = [...latencies].sort((a, b) => a - b);
      return {
        inserts: latencies.length,
        failures,
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
      };
    },
  };
}

async function benchHealth(url) {
  const health = [];
  const psql = [];
  const version = [];
  for (let i = 0; i < HEALTH_RUNS; i++) {
    const h = await run(process.execPath, [CLI, 'health', '--json'], {
      DATABASE_URL: url,
      MCPOPS_HEALTH_STATE_FILE: join(tmpdir(), 'mcpops-bench-health.json'),
    });
    if (![0, 1, 2, 3].includes(h.code)) throw new Error(`health exited ${h.code}: ${h.stderr}`);
    health.push(h.ms);
    const v = await run(process.execPath, [CLI, '--version']);
    version.push(v.ms);
    const p = await run('psql', [url, '-X', '-q', '-c', 'select 1']);
    if (p.code !== 0) throw new Error(`psql exited ${p.code}: ${p.stderr}`);
    psql.push(p.ms);
  }
  const last = await run(process.execPath, [CLI, 'health', '--json'], { DATABASE_URL: url });
  const report = JSON.parse(last.stdout);
  const checks = Object.values(report.components).flatMap((c) => c.checks).length;
  return {
    versionMs: median(version),
    healthMs: median(health),
    psqlMs: median(psql),
    checks,
    skipped: report.skipped.length,
    inProcessMs: report.duration_ms,
  };
}

async function benchIndex(url, admin) {
  await admin.query('CREATE TABLE bench_rows (id bigserial PRIMARY KEY, a int, b int, note text)');
  await admin.query(
    `INSERT INTO bench_rows (a, b, note) SELECT ((g::int8 * 7919) % 1000000)::int, g % 1000, 'row ' || g FROM generate_series(1, ${ROWS}) g`,
  );
  await admin.query('VACUUM ANALYZE bench_rows');
  const file = join(mkdtempSync(join(tmpdir(), 'mcpops-bench-ops-')), 'bench.sql');
  writeFileSync(file, 'CREATE INDEX bench_rows_a_b_idx ON public.bench_rows (a, b);\n');

  const idleWriter = startWriter(url);
  await new Promise((r) => setTimeout(r, 3000));
  const idle = await idleWriter.stop();

  const results = { psql: [], mcpops: [] };
  for (const round of [1, 2, 3]) {
    for (const name of ['psql', 'mcpops']) {
      await admin.query('DROP INDEX IF EXISTS bench_rows_a_b_idx');
      const writer = startWriter(url);
      await new Promise((r) => setTimeout(r, 300));
      const build =
        name === 'psql'
          ? await run('psql', [
              url,
              '-X',
              '-q',
              '-v',
              'ON_ERROR_STOP=1',
              '-c',
              'CREATE INDEX CONCURRENTLY bench_rows_a_b_idx ON public.bench_rows (a, b)',
            ])
          : await run(process.execPath, [CLI, 'index', 'apply', '--file', file, '--yes', '--json'], {
              DATABASE_URL: url,
            });
      const w = await writer.stop();
      if (build.code !== 0) throw new Error(`${name} build exited ${build.code}: ${build.stderr}`);
      const { rows } = await admin.query(
        "SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('public.bench_rows_a_b_idx')",
      );
      if (!rows[0]?.indisvalid) throw new Error(`${name} left no valid index`);
      const detail = name === 'mcpops' ? JSON.parse(build.stdout).result : undefined;
      const inner = detail ? { cicMs: detail.items[0].durationMs, analyzeMs: detail.analyzeMs } : {};
      results[name].push({ buildMs: build.ms, ...inner, ...w });
      console.error(
        `round ${round} ${name}: ${(build.ms / 1000).toFixed(2)} s, writer p99 ${w.p99.toFixed(2)} ms`,
      );
    }
  }
  const summarise = (list) => ({
    buildMs: median(list.map((r) => r.buildMs)),
    cicMs: median(list.map((r) => r.cicMs ?? 0)),
    analyzeMs: median(list.map((r) => r.analyzeMs ?? 0)),
    p50: median(list.map((r) => r.p50)),
    p99: median(list.map((r) => r.p99)),
    inserts: list.reduce((s, r) => s + r.inserts, 0),
    failures: list.reduce((s, r) => s + r.failures, 0),
  });
  return { rows: ROWS, idle, psql: summarise(results.psql), mcpops: summarise(results.mcpops) };
}

async function main() {
  const name = `mcpops_bench_ops_${randomBytes(4).toString('hex')}`;
  const root_ = new pg.Client({ connectionString: urlFor('postgres') });
  await root_.connect();
  await root_.query(`CREATE DATABASE "${name}"`);
  const url = urlFor(name);
  const admin = new pg.Client({ connectionString: url });
  try {
    await admin.connect();
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    pool.on('error', () => {});
    console.error('loading the sample database (small)…');
    await initDatabase(pool, {
      readerRole: 'zava_reader',
      loginRole: 'zava_serve',
      sampleData: true,
      scale: 'small',
    });
    await pool.end();
    const health = await benchHealth(url);
    console.error(`building a ${ROWS.toLocaleString('en-US')}-row table…`);
    const index = await benchIndex(url, admin);

    const rows = [
      [
        'health --json (all checks, whole process)',
        `${health.healthMs.toFixed(0)} ms`,
        `psql -c 'select 1': ${health.psqlMs.toFixed(0)} ms`,
        `${(health.healthMs / health.psqlMs).toFixed(2)}×`,
      ],
      ['  mcpops --version (process start only)', `${health.versionMs.toFixed(0)} ms`, '', ''],
      [
        '  of which collectHealth in-process',
        `${health.inProcessMs} ms`,
        `${health.checks} checks, ${health.skipped} skipped`,
        '',
      ],
      [
        'index build, 2M rows (mcpops index apply)',
        `${(index.mcpops.buildMs / 1000).toFixed(2)} s`,
        `psql CIC: ${(index.psql.buildMs / 1000).toFixed(2)} s`,
        `${(index.mcpops.buildMs / index.psql.buildMs).toFixed(2)}×`,
      ],
      [
        '  of which the CONCURRENTLY build / ANALYZE',
        `${(index.mcpops.cicMs / 1000).toFixed(2)} s / ${(index.mcpops.analyzeMs / 1000).toFixed(2)} s`,
        '',
        '',
      ],
      [
        'writer p99 insert during build',
        `${index.mcpops.p99.toFixed(2)} ms`,
        `psql CIC: ${index.psql.p99.toFixed(2)} ms`,
        `${(index.mcpops.p99 / index.psql.p99).toFixed(2)}×`,
      ],
      [
        'writer p50 insert during build',
        `${index.mcpops.p50.toFixed(2)} ms`,
        `psql CIC: ${index.psql.p50.toFixed(2)} ms`,
        '',
      ],
      [
        'writer with no build (p50 / p99)',
        `${index.idle.p50.toFixed(2)} / ${index.idle.p99.toFixed(2)} ms`,
        '',
        '',
      ],
      [
        'failed inserts (mcpops / psql)',
        `${index.mcpops.failures} / ${index.psql.failures}`,
        `${index.mcpops.inserts + index.psql.inserts} inserts`,
        '',
      ],
    ];
    console.log('| measurement | mcpops | baseline | ratio |\n|---|---|---|---|');
    for (const row of rows) console.log(`| ${row.join(' | ')} |`);
    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    writeFileSync(
      join(root, 'bench', 'results', 'ops.json'),
      `${JSON.stringify({ date: new Date().toISOString(), health, index }, null, 2)}\n`,
    );
  } finally {
    await admin.end().catch(() => {});
    await root_.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await root_.end();
  }
}

await main();

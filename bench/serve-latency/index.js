#!/usr/bin/env node
// bench/serve-latency: one tool call that returns one aggregated row, sequentially over stdio,
// for `mcpops serve` (RLS, reader role, guard, caps) against its baseline, the reference
// @modelcontextprotocol/server-postgres (`query` tool, superuser, no RLS), and the bare `pg`
// query, all in the same run on the same local database, on the head-office aggregate and on
// `SELECT 1`. Also: cold start (spawn → first tool result) of both servers, the guard's own
// time, and HTTP throughput at 1, 8 and 32 concurrent clients with the server's RSS.
// Prints a table, writes bench/results/serve-latency.json. Needs `npm run build` first.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import pg from 'pg';
import { CatalogCache, checkReadOnlySql, pgProcLookup } from '../../dist/src/db/guard/index.js';
import { initDatabase } from '../../dist/src/db/init/index.js';
import { urlFor } from '../lib/server.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');
const SCALE = process.env.BENCH_SERVE_SCALE ?? 'small';
const ROUNDS = 5; // mcpops and the reference alternate, so drift in machine load hits both
const CALLS_PER_ROUND = Number(process.env.BENCH_SERVE_CALLS ?? 100);
const WARMUP = 30;
const PHASE_MS = Number(process.env.BENCH_SERVE_PHASE_MS ?? 5000);
const CONCURRENCY = [1, 8, 32];
const SQL = 'SELECT count(*) AS lines, sum(total_amount) AS revenue FROM retail.order_items';
// No table at all: serve's own per-call overhead against the reference's.
const LIGHT_SQL = 'SELECT 1 AS one';
const COLD_RUNS = Number(process.env.BENCH_SERVE_COLD_RUNS ?? 9);
const HEAD_OFFICE = '00000000-0000-0000-0000-000000000000';
const CLI = join(root, 'bin', 'mcpops.js');
const REFERENCE = join(root, 'node_modules', '@modelcontextprotocol', 'server-postgres', 'dist', 'index.js');

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const summary = (samples) => {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, p50: pct(s, 50), p99: pct(s, 99), mean: s.reduce((a, b) => a + b, 0) / s.length };
};
const fmt = (ms) => `${ms.toFixed(3)} ms`;

async function createBenchDatabase() {
  const name = `mcpops_bench_serve_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: urlFor('postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const pool = new pg.Pool({ connectionString: urlFor(name), max: 2 });
  pool.on('error', () => {});
  const started = performance.now();
  const report = await initDatabase(pool, {
    readerRole: 'zava_reader',
    loginRole: 'zava_serve',
    sampleData: true,
    scale: SCALE,
  });
  await pool.end();
  process.stderr.write(
    `database ${name}: ${SCALE} sample in ${Math.round(performance.now() - started)} ms\n`,
  );
  return { name, rows: report.rowCounts };
}

async function dropBenchDatabase(name) {
  const admin = new pg.Client({ connectionString: urlFor('postgres') });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
}

function stdioTransport(command, args) {
  return new StdioClientTransport({
    command,
    args,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: tmpdir(),
      CI: 'true',
      LOG_LEVEL: 'warn',
      ...UNCACHED_UNLIMITED,
    },
    cwd: tmpdir(),
    stderr: 'ignore',
  });
}

async function stdioClient(command, args) {
  const client = new Client({ name: 'bench', version: '0' });
  await client.connect(stdioTransport(command, args));
  return client;
}

const mcpopsArgs = (database) => [
  CLI,
  'serve',
  '--database-url',
  urlFor(database, 'zava_serve'),
  '--store',
  'head office',
];

/**
 * Spawn → first tool result, as an MCP client starts a stdio server: the SDK client spawns the
 * process, initializes, and calls `SELECT 1`. The two servers alternate run by run.
 */
async function coldStart(database) {
  const contenders = {
    mcpops: {
      args: mcpopsArgs(database),
      call: (c) => c.callTool({ name: 'execute_sales_query', arguments: { postgresql_query: LIGHT_SQL } }),
    },
    reference: {
      args: [REFERENCE, urlFor(database)],
      call: (c) => c.callTool({ name: 'query', arguments: { sql: LIGHT_SQL } }),
    },
  };
  const samples = { mcpops: [], reference: [] };
  for (let run = 0; run < COLD_RUNS; run++) {
    for (const [name, { args, call }] of Object.entries(contenders)) {
      const client = new Client({ name: 'bench-cold', version: '0' });
      const started = performance.now();
      await client.connect(stdioTransport(process.execPath, args));
      checkAnswer(await call(client), '1');
      samples[name].push(performance.now() - started);
      await client.close();
    }
  }
  return Object.fromEntries(
    Object.entries(samples).map(([name, s]) => [
      name,
      { ...summary(s), min: Math.min(...s), max: Math.max(...s) },
    ]),
  );
}

async function timeCalls(call, count) {
  const samples = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await call();
    samples.push(performance.now() - t0);
  }
  return samples;
}

function checkAnswer(result, expected) {
  const text = result.content?.[0]?.text ?? '';
  if (result.isError || !text.includes(expected)) throw new Error(`unexpected answer: ${text.slice(0, 200)}`);
}

async function stdioLatency(database, sql, truth, callsPerRound) {
  const transport = stdioTransport(process.execPath, mcpopsArgs(database));
  const mcpops = new Client({ name: 'bench', version: '0' });
  await mcpops.connect(transport);
  const reference = await stdioClient(process.execPath, [REFERENCE, urlFor(database)]);
  const raw = new pg.Client({ connectionString: urlFor(database) });
  await raw.connect();
  // What row-level security alone costs: the reference's three round trips, as the reader role.
  const reader = new pg.Client({ connectionString: urlFor(database) });
  await reader.connect();
  const asReader = `BEGIN READ ONLY; SET LOCAL ROLE zava_reader; SELECT set_config('app.current_rls_user_id', '${HEAD_OFFICE}', true)`;
  const calls = {
    mcpops: () =>
      mcpops
        .callTool({ name: 'execute_sales_query', arguments: { postgresql_query: sql } })
        .then((r) => checkAnswer(r, truth)),
    reference: () =>
      reference.callTool({ name: 'query', arguments: { sql } }).then((r) => checkAnswer(r, truth)),
    raw: () => raw.query(sql),
    rawRls: async () => {
      await reader.query(asReader);
      await reader.query(sql);
      await reader.query('ROLLBACK');
    },
  };
  for (const call of Object.values(calls)) await timeCalls(call, WARMUP);
  const samples = { mcpops: [], reference: [], raw: [], rawRls: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, call] of Object.entries(calls))
      samples[name].push(...(await timeCalls(call, callsPerRound)));
  }
  const peakRssMb = memoryMb(transport.pid, 'VmHWM');
  await Promise.all([mcpops.close(), reference.close(), raw.end(), reader.end()]);
  return {
    ...Object.fromEntries(Object.entries(samples).map(([name, s]) => [name, summary(s)])),
    mcpopsPeakRssMb: peakRssMb,
  };
}

async function guardTime(database) {
  const client = new pg.Client({ connectionString: urlFor(database) });
  await client.connect();
  const cache = new CatalogCache();
  const lookup = cache.wrap(pgProcLookup(client));
  const first = performance.now();
  await checkReadOnlySql(SQL, { lookup });
  const firstMs = performance.now() - first;
  const samples = [];
  for (let i = 0; i < 2000; i++) {
    const t0 = performance.now();
    await checkReadOnlySql(SQL, { lookup });
    if (i >= 200) samples.push(performance.now() - t0);
  }
  await client.end();
  return { ...summary(samples), firstMs };
}

/** VmRSS (now) or VmHWM (peak since the process started) in MB. */
function memoryMb(pid, field = 'VmRSS') {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)[1]) / 1024;
}
const rssMb = (pid) => memoryMb(pid);

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// This bench measures the uncached path (the reference server has no cache) and the server's own
// throughput, not its rate limiter: bench/load measures the cache.
const UNCACHED_UNLIMITED = {
  MCPOPS_CACHE_TTL_SECONDS: '0',
  MCPOPS_RATE_LIMIT_PER_MINUTE: '100000000',
  MCPOPS_RATE_LIMIT_BURST: '100000',
};

async function httpThroughput(database, truth) {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--http', '--port', String(port), '--database-url', urlFor(database, 'zava_serve')],
    {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: tmpdir(),
        CI: 'true',
        LOG_LEVEL: 'warn',
        ...UNCACHED_UNLIMITED,
      },
      cwd: tmpdir(),
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const url = `http://127.0.0.1:${port}/mcp`;
  const until = Date.now() + 30_000;
  for (;;) {
    const ready = await fetch(`http://127.0.0.1:${port}/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > until || child.exitCode !== null) throw new Error('serve --http did not become ready');
    await new Promise((r) => setTimeout(r, 100));
  }
  const results = [];
  try {
    const idleRss = rssMb(child.pid);
    for (const clients of CONCURRENCY) {
      const sessions = await Promise.all(
        Array.from({ length: clients }, async () => {
          const client = new Client({ name: 'bench-http', version: '0' });
          await client.connect(
            new StreamableHTTPClientTransport(new URL(url), {
              requestInit: { headers: { 'x-rls-user-id': HEAD_OFFICE } },
            }),
          );
          return client;
        }),
      );
      const call = (client) =>
        client
          .callTool({ name: 'execute_sales_query', arguments: { postgresql_query: SQL } })
          .then((r) => checkAnswer(r, truth));
      await Promise.all(sessions.map((client) => timeCalls(() => call(client), 10)));
      const latencies = [];
      let peakRss = rssMb(child.pid);
      const started = performance.now();
      await Promise.all(
        sessions.map(async (client) => {
          while (performance.now() - started < PHASE_MS) {
            const t0 = performance.now();
            await call(client);
            latencies.push(performance.now() - t0);
            if (latencies.length % 50 === 0) peakRss = Math.max(peakRss, rssMb(child.pid));
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      results.push({
        clients,
        calls: latencies.length,
        perSecond: latencies.length / seconds,
        ...summary(latencies),
        rssMb: Math.max(peakRss, rssMb(child.pid)),
      });
      await Promise.all(sessions.map((client) => client.close()));
    }
    return { idleRssMb: idleRss, peakRssMb: memoryMb(child.pid, 'VmHWM'), phases: results };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

async function main() {
  const { name, rows } = await createBenchDatabase();
  try {
    const admin = new pg.Client({ connectionString: urlFor(name) });
    await admin.connect();
    const truth = String((await admin.query(SQL)).rows[0].lines);
    const lightTruth = String((await admin.query(LIGHT_SQL)).rows[0].one);
    await admin.end();

    const cold = await coldStart(name);
    const stdio = await stdioLatency(name, SQL, truth, CALLS_PER_ROUND);
    const light = await stdioLatency(name, LIGHT_SQL, lightTruth, CALLS_PER_ROUND);
    const guard = await guardTime(name);
    const http = await httpThroughput(name, truth);
    const ratio = stdio.mcpops.p50 / stdio.reference.p50;

    console.log(
      `\nserve-latency (${SCALE} sample: ${rows.order_items} order lines; ${ROUNDS * CALLS_PER_ROUND} calls each)`,
    );
    console.log(`SQL: ${SQL}\n`);
    console.log('stdio, sequential                 p50          p99          mean');
    for (const [label, key] of [
      ['mcpops serve (RLS, guard)', 'mcpops'],
      ['server-postgres (reference)', 'reference'],
      ['raw pg query', 'raw'],
      ['raw pg, reader role + RLS (HO)', 'rawRls'],
    ]) {
      const s = stdio[key];
      console.log(`${label.padEnd(32)} ${fmt(s.p50).padEnd(12)} ${fmt(s.p99).padEnd(12)} ${fmt(s.mean)}`);
    }
    console.log(`\nlight query (${LIGHT_SQL}):`);
    for (const [label, key] of [
      ['mcpops serve', 'mcpops'],
      ['server-postgres (reference)', 'reference'],
      ['raw pg query', 'raw'],
    ]) {
      const l = light[key];
      console.log(`${label.padEnd(32)} ${fmt(l.p50).padEnd(12)} ${fmt(l.p99).padEnd(12)} ${fmt(l.mean)}`);
    }
    console.log(
      `light: mcpops p50 / reference p50 = ${(light.mcpops.p50 / light.reference.p50).toFixed(2)}×\n`,
    );
    console.log(`cold start, spawn → first result (${COLD_RUNS} runs each)   p50          min          max`);
    for (const [label, key] of [
      ['mcpops serve', 'mcpops'],
      ['server-postgres (reference)', 'reference'],
    ]) {
      const c = cold[key];
      console.log(`${label.padEnd(40)} ${fmt(c.p50).padEnd(12)} ${fmt(c.min).padEnd(12)} ${fmt(c.max)}`);
    }
    console.log(
      `cold start: mcpops p50 / reference p50 = ${(cold.mcpops.p50 / cold.reference.p50).toFixed(2)}×`,
    );
    console.log(
      `mcpops serve peak RSS (VmHWM) over the stdio runs: ${stdio.mcpopsPeakRssMb.toFixed(0)} MB, ${light.mcpopsPeakRssMb.toFixed(0)} MB\n`,
    );
    console.log(`guard check (warm catalog cache)  ${fmt(guard.p50).padEnd(12)} ${fmt(guard.p99)}`);
    console.log(`guard first call (parser WASM load + catalog lookup): ${fmt(guard.firstMs)}`);
    console.log(`\nmcpops p50 / reference p50 = ${ratio.toFixed(2)}× (target ≤ 1.20×)`);
    console.log(`mcpops p50 / raw pg p50     = ${(stdio.mcpops.p50 / stdio.raw.p50).toFixed(1)}×`);
    console.log(`RLS alone (raw as reader / raw) = ${(stdio.rawRls.p50 / stdio.raw.p50).toFixed(2)}×\n`);
    console.log(
      `HTTP (stateful sessions, head office), idle RSS ${http.idleRssMb.toFixed(0)} MB, peak (VmHWM) ${http.peakRssMb.toFixed(0)} MB`,
    );
    console.log('clients   calls/s    p50          p99          RSS');
    for (const phase of http.phases) {
      console.log(
        `${String(phase.clients).padEnd(9)} ${phase.perSecond.toFixed(0).padEnd(10)} ${fmt(phase.p50).padEnd(12)} ${fmt(phase.p99).padEnd(12)} ${phase.rssMb.toFixed(0)} MB`,
      );
    }

    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    const out = join(root, 'bench', 'results', 'serve-latency.json');
    writeFileSync(
      out,
      `${JSON.stringify({ date: new Date().toISOString(), scale: SCALE, sql: SQL, stdio, light: { sql: LIGHT_SQL, ...light }, cold, guard, ratio, http }, null, 2)}\n`,
    );
    console.log(`\nwrote ${out}`);
  } finally {
    await dropBenchDatabase(name);
  }
}

await main();

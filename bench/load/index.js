#!/usr/bin/env node
// bench/load: `mcpops serve --http` under load. 32 concurrent MCP sessions (Streamable HTTP,
// identities spread over the 8 stores and head office) call execute_sales_query in a closed loop
// on a repeated-question mix for BENCH_SECONDS, against a server with the query-result cache off
// (MCPOPS_CACHE_TTL_SECONDS=0) and one with it on (the default). Baseline in the same run: the
// same questions through a bare `pg` pool of the server's size, as the store-scoped read-only
// transaction each call really is, and as a plain query. The four take turns in rounds of
// alternating order. Reports throughput, p50/p99, errors (isError results and exceptions apart),
// the server's RSS, and CPU per call split between server, PostgreSQL and load generator; prints
// a table and writes bench/results/load.json. Needs `npm run build` first. Loopback only; bounded
// in time; every child process it starts is stopped on every exit path.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../dist/src/config/load.js';
import { Secret } from '../../dist/src/config/secret.js';
import { createPool } from '../../dist/src/db/pool.js';
import { openBare, openMcp, runContenders } from './contenders.js';
import { ensureDatabase, expectedAnswers } from './database.js';
import { killAllChildrenNow, stopAllChildren } from './processes.js';
import { QUESTIONS } from './questions.js';
import { cpuPerCall, f1, f2, printTable, ratio } from './report.js';
import {
  APP_PREFIX,
  DATABASE,
  here,
  IDENTITIES,
  LIMIT_MS,
  LOG_LEVEL,
  ROUNDS,
  SCALE,
  SECONDS,
  SERVE_URL,
  SESSIONS,
} from './settings.js';

async function main() {
  const workDir = mkdtempSync(join(tmpdir(), 'mcpops-bench-load-'));
  try {
    // The server gets these (and nothing else from our environment). The rate limiter would
    // otherwise turn the load test into a test of 429s: it is lifted far above the offered load.
    // The pool size is pinned to the server's own default so the bare baseline gets the same.
    const serverEnv = {
      LOG_LEVEL,
      MCPOPS_RATE_LIMIT_PER_MINUTE: '100000000',
      MCPOPS_RATE_LIMIT_BURST: '1000000',
    };
    const { config } = await loadConfig({ env: { ...serverEnv }, cwd: workDir });
    serverEnv.MCPOPS_POOL_MAX = String(config.poolMax);
    const ctx = { config, serverEnv, workDir };

    const { rows, built } = await ensureDatabase();
    const checkPool = createPool({ url: new Secret(SERVE_URL), config, max: 2 });
    const expected = await expectedAnswers(checkPool, config).finally(() => checkPool.end());
    const loadStart = loadavg();
    process.stderr.write(
      `load: ${SESSIONS} sessions × ${SECONDS} s per contender, pool ${config.poolMax}, ${QUESTIONS.length} questions, ` +
        `${rows.order_items} order lines; load average ${loadStart.map((n) => n.toFixed(2)).join(' ')}\n`,
    );

    const runs = await runContenders([
      {
        key: 'pgScoped',
        appName: `${APP_PREFIX}scoped`,
        label: 'bare pg, store-scoped txn',
        open: () => openBare(ctx, 'scoped'),
      },
      {
        key: 'pgPlain',
        appName: `${APP_PREFIX}plain`,
        label: 'bare pg, plain query',
        open: () => openBare(ctx, 'plain'),
      },
      {
        key: 'cacheOff',
        appName: `${APP_PREFIX}cache-off`,
        label: 'mcpops serve, cache off',
        open: () => openMcp(ctx, 'off', expected),
      },
      {
        key: 'cacheOn',
        appName: `${APP_PREFIX}cache-on`,
        label: 'mcpops serve, cache on',
        open: () => openMcp(ctx, 'on', expected),
      },
    ]);

    const ratios = {
      cacheOffVsPgScoped: ratio(runs.cacheOff.perSecond, runs.pgScoped.perSecond),
      cacheOffVsPgPlain: ratio(runs.cacheOff.perSecond, runs.pgPlain.perSecond),
      cacheOnVsCacheOff: ratio(runs.cacheOn.perSecond, runs.cacheOff.perSecond),
      cacheOnVsPgScoped: ratio(runs.cacheOn.perSecond, runs.pgScoped.perSecond),
      // Derived, not measured: calls/s each would reach if CPU were the only limit (a dedicated
      // machine), from the CPU each call costs the server, PostgreSQL and the load generator.
      cpuBoundCacheOffVsPgScoped: ratio(cpuPerCall(runs.pgScoped), cpuPerCall(runs.cacheOff)),
      cpuBoundCacheOnVsCacheOff: ratio(cpuPerCall(runs.cacheOff), cpuPerCall(runs.cacheOn)),
    };
    const targets = {
      cacheOffAtLeastHalfOfBarePg: ratios.cacheOffVsPgScoped >= 0.5,
      cacheOnAtLeast3xCacheOff: ratios.cacheOnVsCacheOff >= 3,
      zeroErrors: Object.values(runs).every((run) => run.errors.isError + run.errors.exceptions === 0),
    };
    const notes = [];
    if (ratios.cacheOnVsCacheOff < 1.5 && !runs.cacheOn.cachedAnswers?.cached && !runs.cacheOn.cacheMetrics)
      notes.push(
        'cache on and cache off are similar and no answer came back marked cached (nor does /metrics count cache hits): the query-result cache is apparently not wired into execute_sales_query in this build',
      );

    console.log(
      `\nload: ${SESSIONS} concurrent sessions, ${SECONDS} s each (${ROUNDS} alternating rounds), repeated-question mix of ${QUESTIONS.length}, ` +
        `${IDENTITIES.length} identities; pool ${config.poolMax} (server default) for server and bare pg; ` +
        `${rows.order_items} order lines (${SCALE})\n`,
    );
    printTable(Object.values(runs).map((run) => [run.label, run]));
    console.log(
      `\ncache off / bare pg scoped: ${f2(ratios.cacheOffVsPgScoped)}× (target ≥ 0.5×, ${targets.cacheOffAtLeastHalfOfBarePg ? 'met' : 'NOT met'})` +
        `   cache off / bare pg plain: ${f2(ratios.cacheOffVsPgPlain)}×` +
        `\ncache on / cache off:        ${f2(ratios.cacheOnVsCacheOff)}× (target ≥ 3×, ${targets.cacheOnAtLeast3xCacheOff ? 'met' : 'NOT met'})` +
        `   errors: ${targets.zeroErrors ? 'none' : 'SOME (see load.json)'}` +
        `\nCPU-bound estimate (CPU ms per call, server + PostgreSQL + load generator): cache off / bare pg scoped ` +
        `${f2(ratios.cpuBoundCacheOffVsPgScoped)}×, cache on / cache off ${f2(ratios.cpuBoundCacheOnVsCacheOff)}×`,
    );
    if (ROUNDS > 1)
      for (const run of Object.values(runs))
        console.log(`calls/s per round, ${run.label}: ${run.rounds.map((r) => f1(r.perSecond)).join(' / ')}`);
    for (const run of Object.values(runs))
      if (run.rss)
        console.log(
          `server RSS MB (start → end of each round), ${run.label}: idle ${f1(run.rssIdleMb)}; ` +
            run.rss.rounds.map((r) => `${f1(r.startMb)} → ${f1(r.endMb)}`).join(', ') +
            `; peak over the server's life (VmHWM) ${f1(run.rssHighWaterMb)}`,
        );
    for (const key of ['cacheOff', 'cacheOn']) {
      const { cacheMetrics, logLines, cachedAnswers } = runs[key];
      if (cacheMetrics || logLines?.cacheHitLines || cachedAnswers?.cached)
        console.log(
          `cache evidence, ${runs[key].label}: ${cachedAnswers.cached} of ${cachedAnswers.total} answers marked cached, ` +
            `${logLines?.cacheHitLines ?? 0} log lines with a hit` +
            (cacheMetrics ? `; /metrics: ${cacheMetrics.join('; ')}` : ''),
        );
    }
    for (const note of notes) console.log(`note: ${note}`);
    for (const [name, run] of Object.entries(runs))
      for (const sample of run.errors.samples) console.log(`error sample (${name}): ${sample}`);
    console.log(
      `load average at start ${loadStart.map(f2).join(' ')}, at end ${loadavg().map(f2).join(' ')}`,
    );

    const resultsDir = join(here, '..', 'results');
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(
      join(resultsDir, 'load.json'),
      `${JSON.stringify(
        {
          benchmark: 'load',
          date: new Date().toISOString(),
          conditions: {
            node: process.version,
            cpus: availableParallelism(),
            loadavgStart: loadStart,
            loadavgEnd: loadavg(),
            seconds: SECONDS,
            rounds: ROUNDS,
            sessions: SESSIONS,
            identities: IDENTITIES.length,
            questions: QUESTIONS.map((q) => q.name),
            poolMax: config.poolMax,
            logLevel: LOG_LEVEL,
            database: { name: DATABASE, scale: SCALE, rows, builtNow: built },
            serverEnv: { ...serverEnv, MCPOPS_CACHE_TTL_SECONDS: 'off: 0, on: default' },
          },
          runs,
          ratios,
          targets,
          notes,
        },
        null,
        2,
      )}\n`,
    );
    process.exitCode = targets.zeroErrors ? 0 : 1;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

process.on('exit', killAllChildrenNow);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: stopping children\n`);
    void stopAllChildren(2000).finally(() => process.exit(130));
  });
}
const watchdog = setTimeout(() => {
  process.stderr.write(`bench/load: over its ${LIMIT_MS / 1000} s limit, stopping\n`);
  void stopAllChildren(2000).finally(() => process.exit(1));
}, LIMIT_MS);

try {
  await main();
} catch (error) {
  process.stderr.write(`bench/load failed: ${error?.stack ?? error}\n`);
  process.exitCode = 1;
} finally {
  clearTimeout(watchdog);
  await stopAllChildren(5000);
}
// MCP client transports may hold keep-alive sockets; everything we started is stopped by now.
process.exit(process.exitCode ?? 0);

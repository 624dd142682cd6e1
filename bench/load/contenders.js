// The four contenders (bare pg scoped and plain, the server with cache off and on) and the
// rounds in which they take turns under the same closed-loop load.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import pg from 'pg';
import { Secret } from '../../dist/src/config/secret.js';
import { createPool } from '../../dist/src/db/pool.js';
import { scopedQuery } from './database.js';
import { combine, measure, warmUp } from './load.js';
import { cpuSeconds, rssKb, runQueueSeconds, sampleRss, startServer } from './processes.js';
import { QUESTIONS } from './questions.js';
import {
  ADMIN_URL,
  APP_PREFIX,
  CALL_TIMEOUT_MS,
  CLI,
  IDENTITIES,
  identityOf,
  ROUNDS,
  SECONDS,
  SERVE_URL,
  SESSIONS,
} from './settings.js';

const round1 = (n) => Math.round(n * 10) / 10;

/** Same pool settings as the server's (size, jit=off, work_mem). */
export function openBare(ctx, kind) {
  // scoped logs in as the serve login role, as the server does; plain runs the same text as the
  // superuser, with no RLS and no transaction: the cheapest way to get an answer.
  const pool = createPool({
    url: new Secret(kind === 'scoped' ? SERVE_URL : ADMIN_URL),
    config: ctx.config,
    applicationName: `${APP_PREFIX}${kind}`,
  });
  const call =
    kind === 'scoped'
      ? (w, q) => scopedQuery(pool, ctx.config, identityOf(w), QUESTIONS[q].sql)
      : (_w, q) => pool.query({ text: QUESTIONS[q].sql, rowMode: 'array' });
  return { call, close: () => pool.end() };
}

function answerOf(result) {
  if (result.structuredContent && typeof result.structuredContent.n === 'number')
    return result.structuredContent;
  try {
    return JSON.parse(result.content?.[0]?.text ?? '');
  } catch {
    return undefined;
  }
}

async function openSession(url, identity) {
  const client = new Client({ name: 'mcpops-bench-load', version: '0' });
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { 'x-rls-user-id': identity.rlsUserId } },
  });
  await client.connect(transport, { timeout: CALL_TIMEOUT_MS });
  return { client, transport };
}

async function closeSessions(sessions) {
  const closing = Promise.all(
    sessions.map(async ({ client, transport }) => {
      await transport.terminateSession().catch(() => {});
      await client.close().catch(() => {});
    }),
  );
  await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, 10_000))]);
}

/**
 * A served MCP endpoint with SESSIONS open sessions, checked against the bare answers. `target`
 * points it elsewhere (PgBouncer, a replica pair) under its own application name.
 */
export async function openMcp(ctx, cache, expected, target = {}) {
  const name = target.name ?? `cache-${cache}`;
  const { workDir } = ctx;
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: workDir,
    CI: 'true',
    ...ctx.serverEnv,
    // The server names its connections `<this>-serve`: their CPU is counted per contender.
    POSTGRES_APPLICATION_NAME: `${APP_PREFIX}${name}`,
    ...(cache === 'off' ? { MCPOPS_CACHE_TTL_SECONDS: '0' } : {}),
    ...target.env,
    // Diagnostics only, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to see where a call's CPU goes.
    ...(process.env.BENCH_SERVER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SERVER_NODE_OPTIONS } : {}),
  };
  const logFile = join(workDir, `serve-${name}.log`);
  const databaseUrl = target.databaseUrl ?? SERVE_URL;
  const server = await startServer({ cli: CLI, databaseUrl, env, cwd: workDir, logFile });
  const sessions = [];
  const close = async () => {
    await closeSessions(sessions);
    await server.stop(15_000);
  };
  try {
    const idleRssMb = rssKb(server.pid) / 1024;
    for (let w = 0; w < SESSIONS; w++) sessions.push(await openSession(server.url, identityOf(w)));
    const ask = (w, q) =>
      sessions[w].client.callTool(
        { name: 'execute_sales_query', arguments: { postgresql_query: QUESTIONS[q].sql } },
        undefined,
        { timeout: CALL_TIMEOUT_MS },
      );
    // Sanity: every identity gets, for every question, as many rows as the bare store session.
    const mismatches = [];
    for (let i = 0; i < Math.min(SESSIONS, IDENTITIES.length); i++) {
      for (let q = 0; q < QUESTIONS.length; q++) {
        const result = await ask(i, q);
        const answer = answerOf(result);
        if (result.isError || answer?.n !== expected[i][q])
          mismatches.push(
            `${identityOf(i).label} / ${QUESTIONS[q].name}: ${result.isError ? result.content?.[0]?.text : `n=${answer?.n}, expected ${expected[i][q]}`}`,
          );
      }
    }
    if (mismatches.length > 0)
      process.stderr.write(`sanity mismatches (cache ${cache}):\n  ${mismatches.join('\n  ')}\n`);
    const answers = { total: 0, cached: 0 };
    return {
      pid: server.pid,
      call: async (w, q) => {
        const result = await ask(w, q);
        answers.total += 1;
        // The server marks an answer served from its result cache with _meta.cached.
        if (result._meta?.cached === true) answers.cached += 1;
        return result.isError ? { isError: true, message: result.content?.[0]?.text } : result;
      },
      /** After the load: what the server says about its cache, and what it logged. */
      report: async () => ({
        rssIdleMb: idleRssMb,
        // The server's peak resident memory over its whole life: start, sanity pass, warm-up, load.
        rssHighWaterMb: (rssKb(server.pid, 'VmHWM') ?? 0) / 1024,
        sanityMismatches: mismatches,
        // Over every call since warm-up began (warm-up included).
        cachedAnswers: { ...answers, share: answers.total > 0 ? answers.cached / answers.total : 0 },
        cacheMetrics: await fetch(`${server.base}/metrics`, { signal: AbortSignal.timeout(5000) })
          .then(async (r) => (r.ok ? cacheLines(await r.text()) : undefined))
          .catch(() => undefined),
        logLines: countLogLines(logFile),
      }),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** CPU seconds used so far by each PostgreSQL backend a contender has open (by application_name). */
async function backendCpu(admin, appName) {
  const { rows } = await admin.query(
    'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE $1',
    [`${appName}%`],
  );
  return new Map(rows.map(({ pid }) => [pid, cpuSeconds(pid) ?? 0]));
}

function cpuBetween(before, after) {
  let total = 0;
  // A backend opened during the phase counts from zero; one closed during it is lost (rare:
  // pool connections live for poolIdleSeconds).
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}

/**
 * All contenders are open at once (idle ones cost nothing) and take turns; with several rounds
 * the order reverses every round (ABBA…), so a drift in the shared machine's load hits all alike.
 */
export async function runContenders(contenders) {
  const opened = new Map();
  const admin = new pg.Client({ connectionString: ADMIN_URL, application_name: 'bench-load-admin' });
  await admin.connect();
  try {
    for (const contender of contenders) {
      process.stderr.write(`opening ${contender.label}…\n`);
      opened.set(contender.key, await contender.open());
    }
    for (const contender of contenders) {
      process.stderr.write(`warming up ${contender.label}…\n`);
      await warmUp({ workers: SESSIONS, questions: QUESTIONS.length, call: opened.get(contender.key).call });
    }
    const state = new Map(
      contenders.map((c) => [
        c.key,
        { phases: [], peakKb: 0, finalKb: 0, cpu: 0, wait: 0, dbCpu: 0, rssRounds: [] },
      ]),
    );
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? contenders : [...contenders].reverse();
      for (const contender of order) {
        const { call, pid } = opened.get(contender.key);
        const s = state.get(contender.key);
        process.stderr.write(`round ${round + 1}/${ROUNDS}: ${contender.label}…\n`);
        const cpuBefore = pid ? cpuSeconds(pid) : 0;
        const waitBefore = pid ? runQueueSeconds(pid) : 0;
        // A contender on another cluster (a replica pair) brings a client on the node it reads from.
        const dbAdmin = contender.admin ?? admin;
        const dbBefore = await backendCpu(dbAdmin, contender.appName);
        const rss = pid ? sampleRss(pid, 250) : undefined;
        s.phases.push(
          await measure({ workers: SESSIONS, seconds: SECONDS / ROUNDS, questions: QUESTIONS.length, call }),
        );
        s.dbCpu += cpuBetween(dbBefore, await backendCpu(dbAdmin, contender.appName));
        if (rss) {
          const sampled = rss.stop();
          s.peakKb = Math.max(s.peakKb, sampled.peakMb * 1024);
          s.finalKb = sampled.finalMb * 1024;
          s.rssRounds.push({
            startMb: round1(sampled.firstMb),
            peakMb: round1(sampled.peakMb),
            endMb: round1(sampled.finalMb),
          });
          s.cpu += cpuSeconds(pid) - cpuBefore;
          s.wait += runQueueSeconds(pid) - waitBefore;
        }
      }
    }
    const runs = {};
    for (const contender of contenders) {
      const { pid, report } = opened.get(contender.key);
      const s = state.get(contender.key);
      const summary = combine(s.phases);
      runs[contender.key] = {
        label: contender.label,
        ...summary,
        postgresCpuPercent: (s.dbCpu / summary.seconds) * 100,
        postgresCpuMsPerCall: (s.dbCpu * 1000) / summary.calls,
        benchCpuMsPerCall: (summary.benchCpuPercent * 10 * summary.seconds) / summary.calls,
        ...(pid
          ? {
              serverCpuPercent: (s.cpu / summary.seconds) * 100,
              serverRunQueuePercent: (s.wait / summary.seconds) * 100,
              serverCpuMsPerCall: (s.cpu * 1000) / summary.calls,
              rss: { peakMb: s.peakKb / 1024, finalMb: s.finalKb / 1024, rounds: s.rssRounds },
            }
          : {}),
        ...(report ? await report() : {}),
      };
    }
    return runs;
  } finally {
    for (const [, { close }] of opened) await close().catch(() => {});
    await admin.end().catch(() => {});
  }
}

function cacheLines(text) {
  const lines = text.split('\n').filter((line) => /cache/i.test(line) && !line.startsWith('#'));
  return lines.length > 0 ? lines : undefined;
}

function countLogLines(file) {
  try {
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    const count = (level) => lines.filter((line) => line.includes(`"level":"${level}"`)).length;
    // Per-call log lines may say whether the answer came from the cache (field name not fixed yet).
    const cacheHits = lines.filter((line) => /"cache(_?hit)?"\s*:\s*(true|"hit")/i.test(line)).length;
    return {
      total: lines.length,
      warn: count('warn'),
      error: count('error'),
      cacheHitLines: cacheHits,
      bytes: statSync(file).size,
    };
  } catch {
    return undefined;
  }
}

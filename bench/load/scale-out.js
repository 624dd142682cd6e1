#!/usr/bin/env node
// bench/load, scale-out set: the same closed-loop load as bench/load/index.js (32 MCP sessions,
// repeated-question mix, cache off) against four servers that take turns in alternating rounds:
// serve direct to PostgreSQL vs serve through PgBouncer in transaction mode (same database, same
// pool size, PgBouncer's default_pool_size = the server's pool), and, on a primary + streaming
// replica pair built for the run (pg_createcluster + pg_basebackup; needs root), serve reading
// from the primary vs reading from the replica (DATABASE_READ_URL). Prints a table and writes
// bench/results/load-scale-out.json. Needs `npm run build` and Debian's pgbouncer.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../dist/src/config/load.js';
import { Secret } from '../../dist/src/config/secret.js';
import { createPool } from '../../dist/src/db/pool.js';
import { createReplicaPair } from '../lib/pg-cluster.js';
import { startPgBouncer } from '../lib/pgbouncer.js';
import { openMcp, runContenders } from './contenders.js';
import { ensureDatabase, expectedAnswers } from './database.js';
import { killAllChildrenNow, stopAllChildren } from './processes.js';
import { f2, printTable, ratio, writeResults } from './report.js';
import { APP_PREFIX, DATABASE, ROUNDS, SECONDS, SERVE_URL, SESSIONS } from './settings.js';

const LIMIT_MS = (4 * SECONDS + 900) * 1000;
const cleanups = [];

async function expectedOn(url, config) {
  const pool = createPool({ url: new Secret(url), config, max: 2 });
  try {
    return await expectedAnswers(pool, config);
  } finally {
    await pool.end();
  }
}

async function main() {
  const workDir = mkdtempSync(join(tmpdir(), 'mcpops-bench-scale-out-'));
  cleanups.push(async () => rmSync(workDir, { recursive: true, force: true }));
  const serverEnv = {
    LOG_LEVEL: 'info',
    MCPOPS_RATE_LIMIT_PER_MINUTE: '100000000',
    MCPOPS_RATE_LIMIT_BURST: '1000000',
  };
  const { config } = await loadConfig({ env: { ...serverEnv }, cwd: workDir });
  serverEnv.MCPOPS_POOL_MAX = String(config.poolMax);
  const ctx = { config, serverEnv, workDir };

  const { rows } = await ensureDatabase();
  const expected = await expectedOn(SERVE_URL, config);
  // PgBouncer gets exactly as many server connections as the direct server's pool.
  const bouncer = await startPgBouncer({ poolSize: config.poolMax, users: ['zava_serve'] });
  cleanups.push(() => bouncer.stop());

  process.stderr.write('building a primary + replica pair (pg_createcluster, db init, pg_basebackup)…\n');
  const pair = await createReplicaPair();
  cleanups.push(() => pair.remove());
  // The pair's primary gets the same sample; the replica is taken from it afterwards.
  await ensureDatabase(pair.primaryUrl(DATABASE));
  await pair.catchUp(60_000);
  const pairServe = pair.primaryUrl(DATABASE, 'zava_serve');
  const pairExpected = await expectedOn(pairServe, config);
  const onReplica = new pg.Client({ connectionString: pair.replicaUrl(DATABASE) });
  const onPrimary = new pg.Client({ connectionString: pair.primaryUrl(DATABASE) });
  await onReplica.connect();
  await onPrimary.connect();
  cleanups.push(
    () => onReplica.end(),
    () => onPrimary.end(),
  );

  const loadStart = loadavg();
  const runs = await runContenders([
    {
      key: 'direct',
      appName: `${APP_PREFIX}direct`,
      label: 'serve → PostgreSQL',
      open: () => openMcp(ctx, 'off', expected, { name: 'direct' }),
    },
    {
      key: 'pgbouncer',
      appName: `${APP_PREFIX}pgbouncer`,
      label: 'serve → PgBouncer (transaction) → PostgreSQL',
      open: () =>
        openMcp(ctx, 'off', expected, { name: 'pgbouncer', databaseUrl: bouncer.urlFor(SERVE_URL) }),
    },
    {
      key: 'primary',
      appName: `${APP_PREFIX}primary`,
      label: 'serve, reads on the primary (pair)',
      admin: onPrimary,
      open: () => openMcp(ctx, 'off', pairExpected, { name: 'primary', databaseUrl: pairServe }),
    },
    {
      key: 'replica',
      appName: `${APP_PREFIX}replica`,
      label: 'serve, reads on the replica (pair)',
      admin: onReplica,
      open: () =>
        openMcp(ctx, 'off', pairExpected, {
          name: 'replica',
          databaseUrl: pairServe,
          env: { DATABASE_READ_URL: pair.replicaUrl(DATABASE, 'zava_serve') },
        }),
    },
  ]);
  const ratios = {
    pgbouncerVsDirect: ratio(runs.pgbouncer.perSecond, runs.direct.perSecond),
    pgbouncerP50VsDirect: ratio(runs.pgbouncer.p50Ms, runs.direct.p50Ms),
    replicaVsPrimary: ratio(runs.replica.perSecond, runs.primary.perSecond),
  };
  const targets = {
    pgbouncerCostAtMost15Percent: ratios.pgbouncerVsDirect >= 0.85,
    zeroErrors: Object.values(runs).every((run) => run.errors.isError + run.errors.exceptions === 0),
  };
  console.log(
    `\nscale-out: ${SESSIONS} sessions, ${SECONDS} s each (${ROUNDS} alternating rounds), cache off, pool ${config.poolMax}; ` +
      `${rows.order_items} order lines\n`,
  );
  printTable(Object.values(runs).map((run) => [run.label, run]));
  console.log(
    `\nPgBouncer / direct: ${f2(ratios.pgbouncerVsDirect)}× calls/s (target ≥ 0.85×, ${targets.pgbouncerCostAtMost15Percent ? 'met' : 'NOT met'}), ` +
      `p50 ${f2(ratios.pgbouncerP50VsDirect)}×;  replica / primary: ${f2(ratios.replicaVsPrimary)}× calls/s;  ` +
      `errors: ${targets.zeroErrors ? 'none' : 'SOME (see load-scale-out.json)'}` +
      `\nload average at start ${loadStart.map(f2).join(' ')}, at end ${loadavg().map(f2).join(' ')}`,
  );
  writeResults(
    'load-scale-out',
    loadStart,
    { poolMax: config.poolMax, pgbouncerIni: bouncer.ini, database: { name: DATABASE, rows } },
    { runs, ratios, targets },
  );
  process.exitCode = targets.zeroErrors ? 0 : 1;
}

async function cleanUp() {
  for (const step of cleanups.reverse()) await Promise.resolve(step()).catch(() => {});
}

process.on('exit', killAllChildrenNow);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    void stopAllChildren(2000)
      .then(cleanUp)
      .finally(() => process.exit(130));
  });
}
const watchdog = setTimeout(() => {
  process.stderr.write(`bench/load scale-out: over its ${LIMIT_MS / 1000} s limit, stopping\n`);
  void stopAllChildren(2000)
    .then(cleanUp)
    .finally(() => process.exit(1));
}, LIMIT_MS);

try {
  await main();
} catch (error) {
  process.stderr.write(`bench/load scale-out failed: ${error?.stack ?? error}\n`);
  process.exitCode = 1;
} finally {
  clearTimeout(watchdog);
  await stopAllChildren(5000);
  await cleanUp();
}
process.exit(process.exitCode ?? 0);

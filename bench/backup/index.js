#!/usr/bin/env node
// bench/backup: mcpops backup/restore against pg_dump/pg_restore on a generated ≥ 1 GB database,
// all in one run. Baselines: `pg_dump -Fc` to a file, `pg_dump -Fd -j2`, `pg_restore -j2`.
// The bench database is generated once (bench/backup/generate.sql, fixed row counts) and reused.
import { spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { pgEnv, urlFor } from '../lib/server.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');
let CLI = join(root, 'bin', 'mcpops.js');
const BENCH_DB = process.env.BENCH_BACKUP_DB ?? 'mcpops_bench_backup';
const STEP_LIMIT_MS = 15 * 60_000;
// BENCH_RESTORE_ONLY=1 measures only restore against pg_restore (the backups it needs are made,
// the other backup comparisons skipped); BENCH_RESTORE_ROUNDS interleaved rounds (default 3).
const RESTORE_ONLY = process.env.BENCH_RESTORE_ONLY === '1';
const ROUNDS = Number(process.env.BENCH_RESTORE_ROUNDS ?? 3);

async function admin(sql) {
  const client = new pg.Client({ connectionString: urlFor('postgres') });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

async function ensureBenchDatabase() {
  const exists = (await admin(`SELECT 1 FROM pg_database WHERE datname = '${BENCH_DB}'`)).rowCount === 1;
  if (exists) {
    const client = new pg.Client({ connectionString: urlFor(BENCH_DB) });
    await client.connect();
    const ready = await client
      .query(
        'SELECT (SELECT count(*) FROM bench_small) = 1000 AS ok, pg_database_size(current_database()) AS size',
      )
      .catch(() => ({ rows: [{ ok: false }] }));
    await client.end();
    if (ready.rows[0].ok && Number(ready.rows[0].size) >= 1e9) return Number(ready.rows[0].size);
    await admin(`DROP DATABASE "${BENCH_DB}" WITH (FORCE)`);
  }
  process.stderr.write(`generating ${BENCH_DB} (once; ~1.5 GB)…\n`);
  await admin(`CREATE DATABASE "${BENCH_DB}"`);
  const r = spawnSync(
    'psql',
    ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', BENCH_DB, '-f', join(here, 'generate.sql')],
    {
      env: pgEnv,
      stdio: 'inherit',
      timeout: STEP_LIMIT_MS,
    },
  );
  if (r.status !== 0) throw new Error('generating the bench database failed');
  const size = await admin(`SELECT pg_database_size('${BENCH_DB}') AS s`);
  return Number(size.rows[0].s);
}

/** Runs a command, timing it; for node processes samples peak RSS (VmHWM) from /proc. */
function run(command, args, { env = pgEnv, rss = false } = {}) {
  process.stderr.write(
    `… ${[command.split('/').pop(), ...args.filter((a) => !a.startsWith('/'))].join(' ').slice(0, 90)}\n`,
  );
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr = (stderr + c).slice(-4000)));
    const sample = () => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
        peak = Math.max(peak, kb * 1024);
      } catch {}
    };
    const sampler = rss ? setInterval(sample, 50) : undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), STEP_LIMIT_MS);
    child.on('close', (code) => {
      clearInterval(sampler);
      clearTimeout(timer);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr}`));
      else resolve({ seconds, stdout, peakRss: peak });
    });
  });
}

function sizeOf(path) {
  const info = statSync(path);
  if (!info.isDirectory()) return info.size;
  return readdirSync(path).reduce((s, name) => s + sizeOf(join(path, name)), 0);
}

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * A private copy of the build, so a rebuild in the shared checkout during the (minutes-long)
 * run cannot swap files under it.
 */
function snapshotBuild(work) {
  const copy = join(work, 'pkg');
  mkdirSync(copy);
  for (const part of ['bin', 'dist', 'sql', 'package.json'])
    cpSync(join(root, part), join(copy, part), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
  return join(copy, 'bin', 'mcpops.js');
}

async function waitForPort(port, limitMs) {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const open = await new Promise((resolve) => {
      const socket = new Socket();
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
      socket.connect(port, '127.0.0.1');
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`azurite did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function main() {
  const dbSize = await ensureBenchDatabase();
  const work = mkdtempSync(join(tmpdir(), 'mcpops-bench-backup-'));
  CLI = snapshotBuild(work);
  const folder = join(work, 'mcpops');
  const env = { ...process.env, CI: 'true', DATABASE_URL: urlFor(BENCH_DB) };
  const results = { databaseBytes: dbSize, steps: {} };
  const restored = [];
  let azurite;
  try {
    const fc = await run('pg_dump', ['-Fc', '-d', BENCH_DB, '-f', join(work, 'dump.fc')]);
    results.steps.pgDumpFc = { seconds: fc.seconds, bytes: sizeOf(join(work, 'dump.fc')) };
    if (!RESTORE_ONLY) {
      const fd = await run('pg_dump', ['-Fd', '-j2', '-d', BENCH_DB, '-f', join(work, 'dump.dir')]);
      results.steps.pgDumpFdJ2 = { seconds: fd.seconds, bytes: sizeOf(join(work, 'dump.dir')) };
      rmSync(join(work, 'dump.dir'), { recursive: true, force: true });
    }

    const full = await run(
      process.execPath,
      [CLI, 'backup', '--target', folder, '--type', 'full', '--jobs', '2', '--json'],
      { env, rss: true },
    );
    const fullJson = JSON.parse(full.stdout).backup;
    results.steps.mcpopsFull = {
      seconds: full.seconds,
      bytes: fullJson.storedBytes,
      uploaded: fullJson.uploadedBytes,
      peakRss: full.peakRss,
    };

    if (!RESTORE_ONLY) {
      await run('psql', [
        '-X',
        '-q',
        '-d',
        BENCH_DB,
        '-c',
        "UPDATE bench_small SET label = label || '!' WHERE id = 1",
      ]);
      const incr = await run(process.execPath, [CLI, 'backup', '--target', folder, '--jobs', '2', '--json'], {
        env,
        rss: true,
      });
      const incrJson = JSON.parse(incr.stdout).backup;
      results.steps.mcpopsIncremental = {
        seconds: incr.seconds,
        bytes: incrJson.storedBytes,
        uploaded: incrJson.uploadedBytes,
        peakRss: incr.peakRss,
        type: incrJson.type,
      };

      const port = await freePort();
      const azLocation = join(work, 'azurite');
      mkdirSync(azLocation);
      azurite = spawn(
        join(root, 'node_modules', '.bin', 'azurite-blob'),
        [
          '--blobHost',
          '127.0.0.1',
          '--blobPort',
          String(port),
          '--location',
          azLocation,
          '--silent',
          '--skipApiVersionCheck',
          '--loose',
          '--disableTelemetry',
        ],
        { stdio: 'ignore' },
      );
      await waitForPort(port, 60_000);
      const key = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
      const azEnv = {
        ...env,
        AZURE_STORAGE_CONNECTION_STRING: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${key};BlobEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`,
      };
      const az = await run(
        process.execPath,
        [CLI, 'backup', '--target', 'azure://database-backups/bench', '--type', 'full', '--json'],
        { env: azEnv, rss: true },
      );
      results.steps.mcpopsAzurite = {
        seconds: az.seconds,
        bytes: JSON.parse(az.stdout).backup.storedBytes,
        peakRss: az.peakRss,
      };
    }

    // The machine is shared: restore and its baseline run in interleaved rounds; each round's
    // ratio is reported, and the best of each for the table.
    const prTimes = [];
    const mrTimes = [];
    let mrJson;
    let mrRss = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const stamp = `${Date.now()}_${round}`;
      const baseDb = `mcpops_bench_pgrestore_${stamp}`;
      await admin(`CREATE DATABASE "${baseDb}"`);
      restored.push(baseDb);
      prTimes.push((await run('pg_restore', ['-j2', '-d', baseDb, join(work, 'dump.fc')])).seconds);
      await admin(`DROP DATABASE "${baseDb}" WITH (FORCE)`);
      const ourDb = `mcpops_bench_restore_${stamp}`;
      restored.push(ourDb);
      const args = [
        CLI,
        'restore',
        'latest',
        '--from',
        folder,
        '--target',
        urlFor(ourDb),
        '--create',
        '--jobs',
        '2',
        '--json',
      ];
      const mr = await run(process.execPath, args, { env, rss: true });
      mrTimes.push(mr.seconds);
      mrJson = JSON.parse(mr.stdout).restore;
      mrRss = Math.max(mrRss, mr.peakRss);
      await admin(`DROP DATABASE "${ourDb}" WITH (FORCE)`);
    }
    results.steps.pgRestoreJ2 = { seconds: Math.min(...prTimes), runs: prTimes };
    results.steps.mcpopsRestore = {
      seconds: Math.min(...mrTimes),
      runs: mrTimes,
      ok: mrJson.ok,
      peakRss: mrRss,
    };
    results.restoreRounds = prTimes.map((pr, i) => ({
      pgRestoreJ2: pr,
      mcpops: mrTimes[i],
      ratio: pr / mrTimes[i],
    }));
  } finally {
    if (azurite) azurite.kill('SIGTERM');
    for (const db of restored) await admin(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`).catch(() => {});
    rmSync(work, { recursive: true, force: true });
  }

  const s = results.steps;
  const mb = (b) => (b / 1024 / 1024).toFixed(1);
  for (const [i, r] of results.restoreRounds.entries())
    process.stdout.write(
      `restore round ${i + 1}: pg_restore -j2 ${r.pgRestoreJ2.toFixed(1)} s, mcpops --jobs 2 ${r.mcpops.toFixed(1)} s, ratio ${r.ratio.toFixed(2)}× (target ≥ 0.9)\n`,
    );
  if (RESTORE_ONLY) {
    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    writeFileSync(
      join(root, 'bench', 'results', 'backup-restore.json'),
      `${JSON.stringify({ at: new Date().toISOString(), ...results }, null, 2)}\n`,
    );
    return;
  }
  results.ratios = {
    backupVsPgDumpFc: s.pgDumpFc.seconds / s.mcpopsFull.seconds,
    backupVsPgDumpFdJ2: s.pgDumpFdJ2.seconds / s.mcpopsFull.seconds,
    incrementalTimeShare: s.mcpopsIncremental.seconds / s.mcpopsFull.seconds,
    incrementalBytesShare: s.mcpopsIncremental.uploaded / s.mcpopsFull.uploaded,
    restoreVsPgRestoreJ2: s.pgRestoreJ2.seconds / s.mcpopsRestore.seconds,
  };
  const rows = [
    ['pg_dump -Fc (baseline)', s.pgDumpFc.seconds, mb(s.pgDumpFc.bytes), ''],
    ['pg_dump -Fd -j2', s.pgDumpFdJ2.seconds, mb(s.pgDumpFdJ2.bytes), ''],
    [
      'mcpops backup full → folder',
      s.mcpopsFull.seconds,
      mb(s.mcpopsFull.uploaded),
      mb(s.mcpopsFull.peakRss),
    ],
    [
      'mcpops backup incremental (1 table changed)',
      s.mcpopsIncremental.seconds,
      mb(s.mcpopsIncremental.uploaded),
      mb(s.mcpopsIncremental.peakRss),
    ],
    [
      'mcpops backup full → Azurite',
      s.mcpopsAzurite.seconds,
      mb(s.mcpopsAzurite.bytes),
      mb(s.mcpopsAzurite.peakRss),
    ],
    ['pg_restore -j2 (baseline)', s.pgRestoreJ2.seconds, '', ''],
    ['mcpops restore --jobs 2', s.mcpopsRestore.seconds, '', mb(s.mcpopsRestore.peakRss)],
  ];
  process.stdout.write(`database ${mb(dbSize)} MB\n`);
  process.stdout.write(
    `${'step'.padEnd(46)}${'seconds'.padStart(9)}${'MB written'.padStart(12)}${'peak RSS MB'.padStart(13)}\n`,
  );
  for (const [name, sec, bytes, rss] of rows)
    process.stdout.write(
      `${name.padEnd(46)}${sec.toFixed(1).padStart(9)}${String(bytes).padStart(12)}${String(rss).padStart(13)}\n`,
    );
  const r = results.ratios;
  process.stdout.write(
    `backup speed vs pg_dump -Fc ${r.backupVsPgDumpFc.toFixed(2)}× (target ≥ 0.9), vs -Fd -j2 ${r.backupVsPgDumpFdJ2.toFixed(2)}×; ` +
      `incremental ${(r.incrementalTimeShare * 100).toFixed(1)} % of full time (target ≤ 15 %), ${(r.incrementalBytesShare * 100).toFixed(4)} % of bytes; ` +
      `restore vs pg_restore -j2 ${r.restoreVsPgRestoreJ2.toFixed(2)}× (target ≥ 0.9)\n`,
  );
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(
    join(root, 'bench', 'results', 'backup.json'),
    `${JSON.stringify({ at: new Date().toISOString(), ...results }, null, 2)}\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`bench/backup failed: ${error.message}\n`);
  process.exitCode = 1;
});

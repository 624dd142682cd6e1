// The table printed at the end of a run, and the results file.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { here, ROUNDS, SECONDS, SESSIONS } from './settings.js';

export const cpuPerCall = (run) =>
  (run.serverCpuMsPerCall ?? 0) + run.postgresCpuMsPerCall + run.benchCpuMsPerCall;
export const ratio = (a, b) => (b > 0 ? a / b : Number.NaN);
export const f1 = (n) => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');
export const f2 = (n) => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');

export function printTable(runs) {
  const rows = [
    [
      'contender',
      'calls/s',
      'p50 ms',
      'p99 ms',
      'calls',
      'isError',
      'exc',
      'RSS peak/final MB',
      'srv CPU%',
      'srv wait%',
      'CPU ms/call srv+pg+bench',
      'bench wait%',
    ],
  ];
  for (const [label, run] of runs) {
    rows.push([
      label,
      f1(run.perSecond),
      f2(run.p50Ms),
      f2(run.p99Ms),
      String(run.calls),
      String(run.errors.isError),
      String(run.errors.exceptions),
      run.rss ? `${f1(run.rss.peakMb)} / ${f1(run.rss.finalMb)}` : '-',
      run.serverCpuPercent !== undefined ? f1(run.serverCpuPercent) : '-',
      run.serverRunQueuePercent !== undefined ? f1(run.serverRunQueuePercent) : '-',
      [run.serverCpuMsPerCall, run.postgresCpuMsPerCall, run.benchCpuMsPerCall]
        .map((n) => (n === undefined ? '-' : f2(n)))
        .join(' + '),
      f1(run.benchRunQueuePercent),
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  for (const [i, row] of rows.entries()) {
    console.log(
      row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '),
    );
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

/** Writes bench/results/<name>.json: the run's conditions (machine, load, durations) and its figures. */
export function writeResults(name, loadStart, conditions, figures) {
  const dir = join(here, '..', 'results');
  mkdirSync(dir, { recursive: true });
  const machine = {
    node: process.version,
    cpus: availableParallelism(),
    loadavgStart: loadStart,
    loadavgEnd: loadavg(),
  };
  const run = { seconds: SECONDS, rounds: ROUNDS, sessions: SESSIONS };
  const document = {
    benchmark: name,
    date: new Date().toISOString(),
    conditions: { ...machine, ...run, ...conditions },
    ...figures,
  };
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(document, null, 2)}\n`);
}

#!/usr/bin/env node
// Cold-start wall time of `mcpops --help` and `mcpops validate-config`, median of 10 runs each,
// next to `node -e 0` (the baseline: Node's own start-up) in the same run.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../bin/mcpops.js', import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 10);
const cwd = mkdtempSync(join(tmpdir(), 'mcpops-bench-'));
const env = { PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true' };

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function time(args) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, { cwd, env, stdio: 'ignore' });
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}`);
  }
  return median(samples);
}

const baseline = time(['-e', '0']);
const rows = [
  { name: 'node -e 0 (baseline)', ms: baseline },
  { name: 'mcpops --help', ms: time([cli, '--help']) },
  { name: 'mcpops validate-config', ms: time([cli, 'validate-config']) },
].map((row) => ({ ...row, aboveBaselineMs: row.ms - baseline }));

console.log(`median of ${runs} runs`);
console.table(
  rows.map((r) => ({
    command: r.name,
    'median ms': r.ms.toFixed(1),
    'above node -e 0 (ms)': r.aboveBaselineMs.toFixed(1),
  })),
);
const outDir = fileURLToPath(new URL('../results/', import.meta.url));
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'cli-start.json'), JSON.stringify({ runs, node: process.version, rows }, null, 2));

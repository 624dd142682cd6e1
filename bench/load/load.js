// The closed-loop load generator shared by every contender: N workers, each calling as fast as
// its previous call returns, for a fixed time and at most a fixed number of calls.
import { loadavg } from 'node:os';
import { runQueueSeconds } from './processes.js';

const MAX_CALLS_PER_WORKER = 1_000_000;

const percentile = (sorted, p) =>
  sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const round2 = (n) => Math.round(n * 100) / 100;

/** Every worker asks every question `cycles` times: connections, JIT and caches are warm. */
export async function warmUp({ workers, questions, call, cycles = 1 }) {
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let i = 0; i < cycles * questions; i++) await call(w, (w + i) % questions).catch(() => {});
    }),
  );
}

/**
 * One measured phase. `call(worker, question)` resolves `{ isError: true, message }` for an error
 * the callee reported (an MCP isError result) and anything else for success; a rejection is an
 * exception. Only successful calls count towards throughput and latency.
 */
export async function measure({ workers, seconds, questions, call }) {
  const latencies = [];
  const errors = { isError: 0, exceptions: 0, samples: [] };
  const note = (kind, message) => {
    errors[kind] += 1;
    if (errors.samples.length < 5) errors.samples.push(`${kind}: ${String(message).slice(0, 300)}`);
  };
  const loadBefore = loadavg()[0];
  const cpuBefore = process.cpuUsage();
  const waitBefore = runQueueSeconds();
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      let q = w % questions;
      for (let n = 0; n < MAX_CALLS_PER_WORKER && performance.now() < end; n++) {
        const t0 = performance.now();
        try {
          const result = await call(w, q);
          if (result?.isError) note('isError', result.message);
          else latencies.push(performance.now() - t0);
        } catch (error) {
          note('exceptions', error?.message ?? error);
        }
        q = (q + 1) % questions;
      }
    }),
  );
  const cpu = process.cpuUsage(cpuBefore);
  return {
    seconds: (performance.now() - started) / 1000,
    latencies,
    errors,
    benchCpuSeconds: (cpu.user + cpu.system) / 1e6,
    benchRunQueueSeconds: runQueueSeconds() - waitBefore,
    loadavg1: [round2(loadBefore), round2(loadavg()[0])],
  };
}

/** Folds the phases of one contender (several rounds) into one summary. */
export function combine(phases) {
  const latencies = phases.flatMap((phase) => phase.latencies).sort((a, b) => a - b);
  const seconds = phases.reduce((sum, phase) => sum + phase.seconds, 0);
  const errors = { isError: 0, exceptions: 0, samples: [] };
  for (const phase of phases) {
    errors.isError += phase.errors.isError;
    errors.exceptions += phase.errors.exceptions;
    errors.samples.push(...phase.errors.samples.slice(0, 5 - errors.samples.length));
  }
  return {
    seconds,
    calls: latencies.length,
    perSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    meanMs: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
    errors,
    benchCpuPercent: (phases.reduce((sum, phase) => sum + phase.benchCpuSeconds, 0) / seconds) * 100,
    benchRunQueuePercent:
      (phases.reduce((sum, phase) => sum + phase.benchRunQueueSeconds, 0) / seconds) * 100,
    rounds: phases.map((phase) => ({
      seconds: round2(phase.seconds),
      perSecond: round2(phase.latencies.length / phase.seconds),
      loadavg1: phase.loadavg1,
    })),
  };
}

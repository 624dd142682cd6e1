// The load benchmark's settings, from the environment (see docs/benchmarks/load.md).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HEAD_OFFICE_ID, STORES } from '../../dist/src/db/stores.js';

export const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');
// BENCH_CLI: another build of mcpops to measure instead (diagnostics, e.g. a patched copy).
export const CLI = process.env.BENCH_CLI ?? join(root, 'bin', 'mcpops.js');
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
export const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 32);
// Each contender's BENCH_SECONDS is split over this many rounds, in alternating order.
export const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 2));
export const ADMIN_URL =
  process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/mcpops_bench_load';
const LOGIN_ROLE = process.env.BENCH_SERVE_LOGIN ?? 'zava_serve';
export const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'info';
export const SCALE = process.env.BENCH_SCALE ?? 'small';
export const CALL_TIMEOUT_MS = 30_000;
export const APP_PREFIX = 'mcpops-bench-load-';
// Four contenders × BENCH_SECONDS, plus warm-ups, server starts and stops, the database check:
// generous but finite.
export const LIMIT_MS = (4 * SECONDS + 600) * 1000;

export const IDENTITIES = [
  ...STORES.map((store) => ({ label: store.name, rlsUserId: store.rlsUserId })),
  { label: 'head office', rlsUserId: HEAD_OFFICE_ID },
];
export const identityOf = (worker) => IDENTITIES[worker % IDENTITIES.length];

export function withUser(url, user, database) {
  const u = new URL(url);
  if (user !== undefined) {
    u.username = user;
    u.password = '';
  }
  if (database !== undefined) u.pathname = `/${database}`;
  return u.toString();
}
export const SERVE_URL = withUser(ADMIN_URL, LOGIN_ROLE);
export const DATABASE = new URL(ADMIN_URL).pathname.slice(1);

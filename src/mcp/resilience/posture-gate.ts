import { findOpenTables, type OpenTable } from '../../db/posture.js';
import { ConfigError } from '../../errors.js';
import type { Logger } from '../log.js';
import { withDeadline } from './deadline.js';

export type PostureStatus =
  | { state: 'closed'; checkedAt: number }
  | { state: 'open'; tables: OpenTable[]; checkedAt: number }
  | { state: 'unknown'; error?: unknown };

export interface PostureGate {
  /** Refuses (ConfigError, code posture_open) while a table is open; checks first if it does not know. */
  assertClosed(): Promise<void>;
  /** Reads the posture now (at start, on a catalog refresh, and on the timer). */
  check(): Promise<PostureStatus>;
  status(): PostureStatus;
  stop(): void;
}

export interface PostureGateOptions {
  pool: Parameters<typeof findOpenTables>[0];
  readerRole: string;
  recheckMs: number;
  /** How long one check may take before the posture counts as unknown. */
  checkTimeoutMs?: number;
  log: Logger;
}

export function postureError(tables: OpenTable[]): ConfigError {
  const shown = tables
    .slice(0, 3)
    .map((t) => `${t.name} (${t.problem})`)
    .join(', ');
  const more = tables.length > 3 ? ` and ${tables.length - 3} more` : '';
  return new ConfigError(`row-level security does not close ${shown}${more}; data calls are refused`, {
    code: 'posture_open',
    suggestion:
      'Nothing was run. An operator must restore the row security (run `mcpops db init` on the database, or ENABLE and FORCE ROW LEVEL SECURITY with its policies); calls resume within the re-check interval.',
  });
}

/**
 * Serve fails closed: the retail tables' row security is re-read at start, on every catalog
 * refresh and every `recheckMs`; while any readable table is open, every data call is refused.
 * A check that could not run leaves the posture unknown, and the next data call checks first.
 */
export function createPostureGate(options: PostureGateOptions): PostureGate {
  let status: PostureStatus = { state: 'unknown' };
  let running: Promise<PostureStatus> | undefined;

  const read = async (): Promise<PostureStatus> => {
    const limit = options.checkTimeoutMs ?? 5000;
    try {
      const tables = await withDeadline(
        findOpenTables(options.pool, options.readerRole),
        limit,
        `posture check took longer than ${limit} ms`,
      );
      return tables.length > 0
        ? { state: 'open', tables, checkedAt: Date.now() }
        : { state: 'closed', checkedAt: Date.now() };
    } catch (error) {
      return { state: 'unknown', error };
    }
  };

  const check = (): Promise<PostureStatus> => {
    running ??= read().then((next) => {
      running = undefined;
      if (next.state === 'open' && status.state !== 'open')
        options.log.error('row-level security is open: refusing every data call', {
          tables: next.tables.map((t) => `${t.name}: ${t.problem}`),
        });
      if (next.state === 'closed' && status.state === 'open')
        options.log.warn('row-level security is closed again: data calls resume');
      status = next;
      return next;
    });
    return running;
  };

  const timer = setInterval(() => void check(), options.recheckMs);
  timer.unref();

  return {
    async assertClosed() {
      const known = status.state === 'unknown' ? await check() : status;
      if (known.state === 'open') throw postureError(known.tables);
      if (known.state === 'unknown') {
        // A database error (unreachable, …) is reported as such and counted by the breaker.
        if ((known.error as { code?: unknown } | undefined)?.code) throw known.error;
        throw new ConfigError(
          `the row-level security posture cannot be read (${(known.error as Error)?.message ?? 'unknown'})`,
          {
            code: 'posture_unknown',
            suggestion: 'Nothing was run. Retry in a few seconds; the server re-checks by itself.',
          },
        );
      }
    },
    check,
    status: () => status,
    stop: () => clearInterval(timer),
  };
}

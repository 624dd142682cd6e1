import { UnavailableError } from '../../errors.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreaker {
  run<T>(fn: () => Promise<T>): Promise<T>;
  state(): BreakerState;
}

export interface BreakerOptions {
  failureThreshold: number;
  resetSeconds: number;
  /** Which errors count as the dependency failing (not the caller's bad SQL). */
  isFailure: (error: unknown) => boolean;
  onStateChange?: (state: BreakerState) => void;
  now?: () => number;
}

/**
 * Opens after N consecutive failures so a dead database gets fast, clear errors instead of
 * piling up connection attempts; after the reset time one call is let through to probe it.
 */
export function createCircuitBreaker(options: BreakerOptions): CircuitBreaker {
  const now = options.now ?? Date.now;
  let state: BreakerState = 'closed';
  let failures = 0;
  let openedAt = 0;
  let probing = false;
  const move = (next: BreakerState): void => {
    if (next !== state) {
      state = next;
      options.onStateChange?.(next);
    }
  };
  return {
    state: () => (state === 'open' && now() - openedAt >= options.resetSeconds * 1000 ? 'half-open' : state),
    async run(fn) {
      const waited = now() - openedAt;
      if (state === 'open' && waited >= options.resetSeconds * 1000) move('half-open');
      if (state === 'open' || (state === 'half-open' && probing)) {
        const retryIn = Math.max(1, Math.ceil((options.resetSeconds * 1000 - waited) / 1000));
        throw new UnavailableError(
          `the database is unavailable (circuit open after ${options.failureThreshold} failures)`,
          {
            code: 'circuit_open',
            suggestion: `Retry in about ${retryIn} s; the server probes the database by itself.`,
          },
        );
      }
      const trial = state === 'half-open';
      if (trial) probing = true;
      try {
        const result = await fn();
        failures = 0;
        move('closed');
        return result;
      } catch (error) {
        if (options.isFailure(error)) {
          failures += 1;
          if (trial || failures >= options.failureThreshold) {
            openedAt = now();
            move('open');
          }
        } else if (trial) {
          // The database answered (the caller's query failed): it is back.
          failures = 0;
          move('closed');
        }
        throw error;
      } finally {
        if (trial) probing = false;
      }
    },
  };
}

/**
 * Counts calls that are running so shutdown can stop taking new ones and wait (bounded) for
 * the rest to finish instead of cutting a caller off mid-answer.
 */
export interface Inflight {
  readonly count: number;
  readonly closing: boolean;
  /** Runs `fn` as an in-flight call; refuses when shutting down. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** Stops new calls and waits up to `timeoutMs` for running ones; true when all finished. */
  drain(timeoutMs: number): Promise<boolean>;
}

export class ShuttingDownError extends Error {
  constructor() {
    super('the server is shutting down; retry against another instance or after it restarts');
  }
}

export function createInflight(): Inflight {
  let count = 0;
  let closing = false;
  const waiters = new Set<() => void>();
  const settle = () => {
    if (count === 0) for (const wake of waiters) wake();
  };
  return {
    get count() {
      return count;
    },
    get closing() {
      return closing;
    },
    async run(fn) {
      if (closing) throw new ShuttingDownError();
      count += 1;
      try {
        return await fn();
      } finally {
        count -= 1;
        settle();
      }
    },
    drain(timeoutMs) {
      closing = true;
      if (count === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          waiters.delete(wake);
          resolve(true);
        };
        const timer = setTimeout(() => {
          waiters.delete(wake);
          resolve(count === 0);
        }, timeoutMs);
        timer.unref();
        waiters.add(wake);
      });
    },
  };
}

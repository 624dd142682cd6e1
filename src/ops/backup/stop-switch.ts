/**
 * One stop switch for every job of a backup or restore run: the first failure, or the caller's
 * signal (Ctrl-C), aborts `signal`, which ends every child process and stream the run started,
 * so nothing outlives the run or writes after its cleanup. `cause` keeps the first failure: the
 * one to report.
 */
export interface StopSwitch {
  readonly signal: AbortSignal;
  readonly cause: unknown;
  /** Passes `work` through; if it fails, the run stops. */
  guard<T>(work: Promise<T>): Promise<T>;
  stop(reason: unknown): void;
  /** The run is over: stop listening to the caller's signal. */
  release(): void;
}

export function stopSwitch(outer: AbortSignal | undefined, interrupted: () => unknown): StopSwitch {
  const controller = new AbortController();
  let cause: unknown;
  const relay = () => controller.abort(interrupted());
  outer?.addEventListener('abort', relay, { once: true });
  return {
    signal: controller.signal,
    get cause() {
      return cause;
    },
    guard: (work) =>
      work.catch((error: unknown) => {
        cause ??= error;
        controller.abort(error);
        throw error;
      }),
    stop: (reason) => controller.abort(reason),
    release: () => outer?.removeEventListener('abort', relay),
  };
}

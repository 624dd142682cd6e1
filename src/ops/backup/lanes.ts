/** A unit of work; it may return follow-up work, which runs before anything queued after it. */
export type LaneJob = () => Promise<LaneJob[] | undefined>;

/**
 * Runs jobs on `width` lanes (one connection or child each). Follow-ups go to the front of the
 * queue, so a table's index builds start as soon as its rows are in, while other tables still
 * load. A lane with nothing to do waits while another lane's job may still add work. The first
 * failure stops new work and is rethrown once the running jobs have settled.
 */
export async function runLanes(jobs: LaneJob[], width: number): Promise<void> {
  const queue = [...jobs];
  let running = 0;
  let failure: { error: unknown } | undefined;
  let waiting: Array<() => void> = [];
  const wakeAll = () => {
    const woken = waiting;
    waiting = [];
    for (const wake of woken) wake();
  };
  const lane = async (): Promise<void> => {
    for (;;) {
      if (failure) return;
      const next = queue.shift();
      if (!next) {
        if (running === 0) return;
        await new Promise<void>((resolve) => waiting.push(resolve));
        continue;
      }
      running++;
      try {
        const follow = await next();
        if (follow?.length) queue.unshift(...follow);
      } catch (error) {
        failure ??= { error };
      } finally {
        running--;
        wakeAll();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, width) }, lane));
  if (failure) throw failure.error;
}

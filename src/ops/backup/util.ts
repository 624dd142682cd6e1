/**
 * Runs `fn` over items with one worker per resource (a connection), keeping result order.
 * The first failure stops new work and is rethrown once the running items have settled.
 */
export async function mapLimit<T, R, W>(
  items: T[],
  workers: W[],
  fn: (item: T, worker: W) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: unknown;
  await Promise.all(
    workers.map(async (worker) => {
      while (failure === undefined && next < items.length) {
        const index = next++;
        try {
          results[index] = await fn(items[index], worker);
        } catch (error) {
          failure ??= error;
        }
      }
    }),
  );
  if (failure !== undefined) throw failure;
  return results;
}

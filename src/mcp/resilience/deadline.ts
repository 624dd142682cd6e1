/** The promise's value, or a rejection with `message` if it has not settled within `ms`. */
export async function withDeadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The promise's value, or undefined if it has not settled within `ms` (or failed). */
export function withinMs<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return withDeadline(promise, ms, 'timed out').catch(() => undefined);
}

/** Resolves with the arguments of the next `event`; rejects after `ms` so a test cannot hang. */
export function next<T = unknown>(
  emitter: { once(event: never, listener: never): unknown },
  event: string,
  ms = 10000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${event}' within ${ms} ms`)), ms);
    const listener = (value: T): void => {
      clearTimeout(timer);
      resolve(value);
    };
    emitter.once(event as never, listener as never);
  });
}

/** Polls `check` until it is true; rejects after `ms`. For conditions no event announces. */
export async function until(check: () => boolean, ms = 10000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`${what} not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

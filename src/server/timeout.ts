// A deadline on a promise: what the server does when something it waits for (a database, Redis) stops answering.

/** `promise`'s outcome, or a rejection with `message` once `ms` have passed without one; the timer never outlives it. */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

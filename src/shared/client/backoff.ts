// The reconnect schedule: exponential backoff with jitter, capped so a returning server is found quickly.

export interface BackoffOptions {
  /** Delay before the first retry, before jitter. */
  baseMs?: number;
  /** No wait is longer than this. */
  capMs?: number;
  /** A number in [0, 1); injected so tests can pin the jitter. */
  random?: () => number;
}

export const DEFAULT_BACKOFF = { baseMs: 500, capMs: 10_000 } as const;

/**
 * Delay before retry number `attempt` (1, 2, 3…): base·2^(attempt−1) capped, then "equal jitter" —
 * half fixed, half random — so many clients dropped at once don't return in lockstep yet never retry instantly.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? DEFAULT_BACKOFF.baseMs;
  const cap = options.capMs ?? DEFAULT_BACKOFF.capMs;
  const random = options.random ?? Math.random;
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  const ceiling = Math.min(cap, base * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

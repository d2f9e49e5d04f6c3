import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  it('doubles from the base and stops at the cap', () => {
    const top = (attempt: number) => backoffDelay(attempt, { baseMs: 500, capMs: 10_000, random: () => 0.999999 });
    expect([1, 2, 3, 4, 5, 6, 7, 50].map(top)).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
  });

  it('keeps at least half of each step so retries are never instant', () => {
    const low = (attempt: number) => backoffDelay(attempt, { baseMs: 500, capMs: 10_000, random: () => 0 });
    expect([1, 2, 3, 10].map(low)).toEqual([250, 500, 1000, 5000]);
  });

  it('spreads clients out with jitter', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(4)));
    expect(delays.size).toBeGreaterThan(10);
    for (const d of delays) expect(d).toBeGreaterThanOrEqual(2000);
  });
});

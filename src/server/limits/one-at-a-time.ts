// One password check at a time per account and per address: later ones wait their turn, in order, up to a bound.
import { ParleyError } from '../../shared/errors.js';

export class OneAtATime {
  /** Per key, the turns still to come (the running one included); absent when the key is idle. */
  private readonly lines = new Map<string, (() => void)[]>();

  /** @param maxWaiting checks one key may have waiting behind the running one; past it, SERVER_BUSY. */
  constructor(private readonly maxWaiting: number) {}

  /**
   * Runs the task once every key is free, holding all of them. Keys are taken in sorted order, so two
   * tasks that share several keys cannot each hold one and wait for the other.
   */
  async run<T>(keys: string[], task: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(keys)].sort();
    // Refuse before taking anything, so a refusal leaves no key held.
    if (sorted.some((key) => (this.lines.get(key)?.length ?? 0) > this.maxWaiting)) {
      throw new ParleyError('SERVER_BUSY', 'Too many sign-ins are waiting for this account or address. Try again in a few seconds.', { retryAfterMs: 1_000 });
    }
    const held: string[] = [];
    try {
      for (const key of sorted) {
        await this.take(key);
        held.push(key);
      }
      return await task();
    } finally {
      for (const key of held) this.release(key);
    }
  }

  /** Keys with a check running or waiting (for tests: nothing is left behind). */
  get size(): number {
    return this.lines.size;
  }

  private take(key: string): Promise<void> {
    const line = this.lines.get(key);
    if (!line) {
      this.lines.set(key, [() => undefined]);
      return Promise.resolve();
    }
    return new Promise((resolve) => line.push(resolve));
  }

  private release(key: string): void {
    const line = this.lines.get(key);
    if (!line) return;
    line.shift();
    const next = line[0];
    if (next) next();
    else this.lines.delete(key);
  }
}

// Bounds how many expensive tasks (argon2 hashes, contact-list loads) run at once and how many may wait; the rest are refused.

export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  /** @param maxWaiting tasks that may wait for a turn; past it `tryRun` refuses. */
  constructor(
    private readonly limit: number,
    private readonly maxWaiting = Infinity,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
    if (!(maxWaiting >= 0)) throw new RangeError('maxWaiting must be 0 or more');
  }

  /** Runs the task in its turn, or returns undefined at once when the waiting line is full. */
  tryRun<T>(task: () => Promise<T>): Promise<T> | undefined {
    if (this.active >= this.limit && this.waiting.length >= this.maxWaiting) return undefined;
    return this.run(task);
  }

  /** Runs the task in its turn, waiting however long the line is (for a semaphore whose line has no limit). */
  async run<T>(task: () => Promise<T>): Promise<T> {
    // A finishing task hands its slot straight to the next in line, so no newcomer can slip in between.
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }

  /** Tasks running and waiting. */
  get load(): number {
    return this.active + this.waiting.length;
  }
}

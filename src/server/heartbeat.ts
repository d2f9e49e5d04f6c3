// Pings every connection once per interval, a slice at a time: 10,000 idle sockets pinged in one turn
// stalled every message behind them for tens of milliseconds (bench/RESULTS.md).

export interface Beating {
  /** Cleared by each ping, set by each pong. */
  readonly alive: boolean;
  ping(): void;
  terminate(): void;
}

const SLICES = 10;

export class Heartbeat<T extends Beating> {
  private readonly slices: Set<T>[] = Array.from({ length: SLICES }, () => new Set<T>());
  private nextSlice = 0;
  private added = 0;
  private readonly timer: NodeJS.Timeout;

  /** `onDead` is told before a connection that missed its pong is terminated. */
  constructor(intervalMs: number, onDead: (item: T) => void) {
    this.timer = setInterval(() => {
      const slice = this.slices[this.nextSlice]!;
      this.nextSlice = (this.nextSlice + 1) % SLICES;
      for (const item of slice) {
        if (item.alive) item.ping();
        else {
          onDead(item);
          item.terminate();
        }
      }
    }, intervalMs / SLICES);
    this.timer.unref();
  }

  add(item: T): void {
    // Round robin, so the slices stay even as connections come and go.
    this.slices[this.added++ % SLICES]!.add(item);
  }

  /** Ten Set deletes per closed connection, rather than remembering each one's slice in a map of its own. */
  delete(item: T): void {
    for (const slice of this.slices) slice.delete(item);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

// Pings every connection once per interval, a small share every tick: pinging thousands of idle sockets
// in one turn stalls every message queued behind them, and even a large share at a time shows in the
// latency beside it (the figures are in bench/RESULTS.md).

export interface Beating {
  /** Cleared by each ping, set by each pong. */
  readonly alive: boolean;
  ping(): void;
  terminate(): void;
}

/** How often a tick pings its share; an interval shorter than this is one tick. */
const TICK_MS = 50;

export class Heartbeat<T extends Beating> {
  private readonly items = new Set<T>();
  private readonly ticksPerRound: number;
  /** The connections of the current round, in the order they are pinged, and how far the round got. */
  private round: T[] = [];
  private next = 0;
  private tick = 0;
  private readonly timer: NodeJS.Timeout;

  /** `onDead` is told before a connection that missed its pong is terminated. */
  constructor(intervalMs: number, onDead: (item: T) => void) {
    this.ticksPerRound = Math.max(1, Math.floor(intervalMs / TICK_MS));
    this.timer = setInterval(() => this.beat(onDead), intervalMs / this.ticksPerRound);
    this.timer.unref();
  }

  add(item: T): void {
    this.items.add(item);
  }

  delete(item: T): void {
    this.items.delete(item);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private beat(onDead: (item: T) => void): void {
    // A round starts every ticksPerRound ticks, with the connections open then; one opened later waits for
    // the next round (its pong is not due before it is pinged). Each connection keeps its place in the
    // order, so it is checked about one interval after its ping.
    const inRound = this.tick++ % this.ticksPerRound;
    if (inRound === 0) {
      this.round = [...this.items];
      this.next = 0;
    }
    const ticksLeft = this.ticksPerRound - inRound;
    const end = this.next + Math.ceil((this.round.length - this.next) / ticksLeft);
    for (; this.next < end; this.next++) {
      const item = this.round[this.next]!;
      if (!this.items.has(item)) continue; // closed since the round began
      if (item.alive) item.ping();
      else {
        onDead(item);
        item.terminate();
      }
    }
    // Closed connections are not held until the next round.
    if (this.next === this.round.length) this.round = [];
  }
}

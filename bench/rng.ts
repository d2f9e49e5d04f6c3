// A tiny seeded PRNG (xorshift32): reproducible recipient choices without Math.random's cost or state.

export class XorShift32 {
  private state: number;

  constructor(seed: number) {
    // Zero is xorshift's fixed point; any other seed works.
    this.state = (seed ^ 0x9e3779b9) >>> 0 || 1;
  }

  /** A uniform integer in [0, bound). */
  below(bound: number): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state % bound;
  }

  /** A uniform index in [0, n) other than `not`. */
  other(n: number, not: number): number {
    const r = this.below(n - 1);
    return r >= not ? r + 1 : r;
  }

  /**
   * One of `sender`'s `k` contacts, uniformly: its neighbours on a ring of `n`, at offsets +1, −1, +2, −2, …
   * (k of them, 1 ≤ k < n), so a pair that talks talks both ways. `k` = 0: anyone but the sender.
   */
  contact(n: number, sender: number, k: number): number {
    if (k === 0) return this.other(n, sender);
    const j = this.below(k);
    const step = (j >> 1) + 1;
    return (sender + (j & 1 ? n - step : step)) % n;
  }
}

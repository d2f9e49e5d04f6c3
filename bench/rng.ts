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
}

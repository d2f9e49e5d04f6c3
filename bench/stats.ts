// Latency samples and their percentiles (nearest rank), kept in one growing typed array.

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/**
 * The p-th percentile of ascending `sorted` by the nearest-rank method: the smallest sample
 * that at least p% of the samples do not exceed. NaN for no samples.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  return sorted[rank - 1] as number;
}

/** Appends samples without allocating per sample; doubles its storage when full. */
export class LatencyRecorder {
  private samples: Float32Array;
  private n = 0;

  constructor(initialCapacity = 1 << 16) {
    this.samples = new Float32Array(Math.max(16, initialCapacity));
  }

  get count(): number {
    return this.n;
  }

  add(ms: number): void {
    if (this.n === this.samples.length) {
      const bigger = new Float32Array(this.samples.length * 2);
      bigger.set(this.samples);
      this.samples = bigger;
    }
    this.samples[this.n++] = ms;
  }

  summary(): LatencySummary {
    const sorted = this.samples.slice(0, this.n).sort();
    let sum = 0;
    for (let i = 0; i < sorted.length; i++) sum += sorted[i] as number;
    return {
      count: this.n,
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
      max: this.n === 0 ? Number.NaN : (sorted[this.n - 1] as number),
      mean: this.n === 0 ? Number.NaN : sum / this.n,
    };
  }
}

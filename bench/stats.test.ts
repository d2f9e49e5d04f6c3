// Percentiles by nearest rank, checked against hand-computed values.
import { describe, expect, it } from 'vitest';
import { LatencyRecorder, percentile } from './stats.js';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('picks the smallest sample that p% of the samples do not exceed', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 95)).toBe(95);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 99.5)).toBe(100);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile(hundred, 0)).toBe(1);
  });

  it('handles small samples', () => {
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 51)).toBe(3);
    expect(percentile([10, 20, 30], 99)).toBe(30);
    expect(Number.isNaN(percentile([], 50))).toBe(true);
  });

  it('rejects percentages outside 0..100', () => {
    expect(() => percentile(hundred, 101)).toThrow(RangeError);
    expect(() => percentile(hundred, Number.NaN)).toThrow(RangeError);
  });
});

describe('LatencyRecorder', () => {
  it('grows past its first capacity and sorts numerically', () => {
    const r = new LatencyRecorder(16);
    // Added in a scrambled order: 1000 values 0.001 .. 1.000 ms.
    for (let i = 0; i < 1000; i++) r.add(((i * 7919) % 1000 + 1) / 1000);
    const s = r.summary();
    expect(s.count).toBe(1000);
    expect(s.p50).toBeCloseTo(0.5, 5);
    expect(s.p99).toBeCloseTo(0.99, 5);
    expect(s.max).toBeCloseTo(1, 5);
    expect(s.mean).toBeCloseTo(0.5005, 4);
  });

  it('sorts 10 after 9 (numbers, not strings)', () => {
    const r = new LatencyRecorder();
    for (const v of [10, 9, 100, 2]) r.add(v);
    expect(r.summary()).toMatchObject({ p50: 9, max: 100 });
  });

  it('reports NaN for no samples', () => {
    const s = new LatencyRecorder().summary();
    expect(s.count).toBe(0);
    expect(Number.isNaN(s.p99)).toBe(true);
  });
});

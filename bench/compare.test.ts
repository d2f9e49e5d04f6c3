// The comparison's arithmetic: medians of the alternating runs and Parley ÷ prototype ratios.
import { describe, expect, it } from 'vitest';
import { formatCompare, median, summarize } from './compare.js';
import type { BenchReport } from './report.js';

const run = (program: 'parley' | 'bare', throughput: number, us: number | null, p99: number, ok = true, warnings: string[] = []): BenchReport =>
  ({
    ok,
    warnings,
    machine: { cpus: 2, model: 'test cpu', node: 'v20' },
    options: { mode: { kind: 'closed', window: 8 }, users: 100, size: 100, messages: 1000, durationSec: null },
    failures: ok ? [] : ['2 lost'],
    server: { own: true, pid: 1, program },
    load: { throughput, latencyMs: { p50: p99 / 10, p99 }, totals: { lost: ok ? 0 : 2, duplicated: 0 } },
    cpu: { serverCpuUsPerMessage: us, generatorLoadPercent: 40 },
  }) as unknown as BenchReport;

describe('median', () => {
  it('takes the middle value, or the mean of the middle two', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
    expect(median([1, null])).toBeNull();
  });
});

describe('summarize', () => {
  it('compares medians per program, so one slow run on a noisy machine does not decide', () => {
    const runs = [run('parley', 30_000, 34, 14), run('bare', 50_000, 20, 10), run('parley', 20_000, 45, 30), run('bare', 48_000, 21, 9), run('parley', 28_000, 35, 12), run('bare', 60_000, 16, 11)];
    const c = summarize(runs, 3);
    expect(c.ok).toBe(true);
    expect(c.parley).toMatchObject({ throughput: 28_000, serverCpuUsPerMessage: 35, p99Ms: 14 });
    expect(c.bare).toMatchObject({ throughput: 50_000, serverCpuUsPerMessage: 20, p99Ms: 10 });
    expect(c.ratios.throughput).toBeCloseTo(0.56);
    expect(c.ratios.serverCpuUsPerMessage).toBeCloseTo(1.75);
    expect(c.ratios.p99).toBeCloseTo(1.4);
  });

  it('fails when any run lost or duplicated messages, or a run is missing', () => {
    expect(summarize([run('parley', 1, 1, 1), run('bare', 1, 1, 1, false)], 1).ok).toBe(false);
    expect(summarize([run('parley', 1, 1, 1)], 1).ok).toBe(false);
  });

  it('prints every distinct warning of the runs once, so an unpinned run cannot hide behind the medians', () => {
    const unpinned = 'not pinned: core 1 does not exist (1 available)';
    const text = formatCompare(summarize([run('parley', 1, 1, 1), run('bare', 1, 1, 1, true, [unpinned]), run('parley', 1, 1, 1, true, [unpinned]), run('bare', 1, 1, 1)], 2));
    expect(text.split(unpinned)).toHaveLength(2);
    expect(text).toMatch(/^warning +not pinned/m);
  });
});

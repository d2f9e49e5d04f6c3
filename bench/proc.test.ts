// Reading CPU time and RSS from /proc, including command names with spaces and parentheses.
import { describe, expect, it } from 'vitest';
import { cpuPercent, namedCpuPercent, parseProcStat, parseVmRss, sampleByName, sampleProcess } from './proc.js';

describe('/proc parsing', () => {
  it('reads utime + stime after the command name, whatever it contains', () => {
    const stat = '4242 (node (x) y) S 1 2 3 0 -1 4194304 98 0 0 0 250 50 0 0 20 0 1 0 64549 3133440 362';
    expect(parseProcStat(stat)).toBe(3);
  });

  it('reads VmRSS in bytes', () => {
    expect(parseVmRss('Name:\tnode\nVmRSS:\t  123456 kB\nVmSwap:\t0 kB\n')).toBe(123456 * 1024);
    expect(() => parseVmRss('Name:\tnode\n')).toThrow(/VmRSS/);
  });

  it('samples this process', () => {
    const a = sampleProcess(process.pid);
    expect(a.rssBytes).toBeGreaterThan(1024 * 1024);
    expect(a.cpuSec).toBeGreaterThan(0);
    expect(cpuPercent(a, { ...a, cpuSec: a.cpuSec + 0.5, at: a.at + 1000 })).toBeCloseTo(50);
  });

  it('adds up the CPU of processes by name, over those present at both samples', () => {
    const mine = sampleByName(['node']);
    expect(mine.cpuSec.get(process.pid)).toBeGreaterThan(0);
    const from = { at: 0, cpuSec: new Map([[1, 1], [2, 5]]) };
    const to = { at: 2000, cpuSec: new Map([[1, 2], [3, 9]]) };
    expect(namedCpuPercent(from, to)).toBeCloseTo(50);
  });
});

// Reads a process's CPU time and resident memory from /proc, and describes the machine.
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, release } from 'node:os';

/** Linux reports CPU times in clock ticks; USER_HZ is 100 on every mainstream kernel build. */
const CLOCK_TICKS_PER_SEC = 100;

export interface ProcSample {
  /** User + system CPU seconds consumed so far. */
  cpuSec: number;
  rssBytes: number;
  /** Time the main thread spent runnable but waiting for a CPU (other work on its core), seconds. */
  runQueueSec: number;
  /** Monotonic time of the sample, ms. */
  at: number;
}

/** Parses /proc/PID/stat's utime and stime; the command name may contain spaces, so split after ')'. */
export function parseProcStat(text: string): number {
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error('unexpected /proc/PID/stat format');
  return (utime + stime) / CLOCK_TICKS_PER_SEC;
}

export function parseVmRss(status: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!match) throw new Error('no VmRSS in /proc/PID/status');
  return Number(match[1]) * 1024;
}

/** /proc/PID/schedstat: "cpu-ns wait-ns slices"; the second is time spent waiting on a run queue. */
function parseSchedstat(text: string): number {
  const wait = Number(text.trim().split(/\s+/)[1]);
  return Number.isFinite(wait) ? wait / 1e9 : 0;
}

function readSchedstat(pid: number): number {
  try {
    return parseSchedstat(readFileSync(`/proc/${pid}/schedstat`, 'utf8'));
  } catch {
    // Kernels without CONFIG_SCHEDSTATS have no such file.
    return 0;
  }
}

export function sampleProcess(pid: number): ProcSample {
  return {
    cpuSec: parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8')),
    rssBytes: parseVmRss(readFileSync(`/proc/${pid}/status`, 'utf8')),
    runQueueSec: readSchedstat(pid),
    at: performance.now(),
  };
}

/** Share of the wall time between two samples that the process waited for a CPU, in percent. */
export function runQueuePercent(from: ProcSample, to: ProcSample): number {
  const wallSec = (to.at - from.at) / 1000;
  return wallSec > 0 ? (100 * (to.runQueueSec - from.runQueueSec)) / wallSec : 0;
}

/** CPU used between two samples as a percentage of one core. */
export function cpuPercent(from: ProcSample, to: ProcSample): number {
  const wallSec = (to.at - from.at) / 1000;
  return wallSec > 0 ? (100 * (to.cpuSec - from.cpuSec)) / wallSec : 0;
}

/** CPU seconds so far of every process whose command name (/proc/PID/comm) is one of `names`, by pid; at = when. */
export function sampleByName(names: readonly string[]): { at: number; cpuSec: Map<number, number> } {
  const cpuSec = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (names.includes(readFileSync(`/proc/${entry}/comm`, 'utf8').trim())) cpuSec.set(Number(entry), parseProcStat(readFileSync(`/proc/${entry}/stat`, 'utf8')));
    } catch {
      // gone meanwhile
    }
  }
  return { at: performance.now(), cpuSec };
}

/** CPU between two sampleByName samples, % of a core, over the processes in both (those that came or went are left out). */
export function namedCpuPercent(from: ReturnType<typeof sampleByName>, to: ReturnType<typeof sampleByName>): number {
  let sec = 0;
  for (const [pid, cpu] of to.cpuSec) {
    const before = from.cpuSec.get(pid);
    if (before !== undefined) sec += cpu - before;
  }
  const wallSec = (to.at - from.at) / 1000;
  return wallSec > 0 ? (100 * sec) / wallSec : 0;
}

export interface MachineInfo {
  cpus: number;
  model: string;
  memoryGiB: number;
  kernel: string;
  node: string;
  /** 1-minute load average when the run ended: other work on the machine skews every figure. */
  loadAverage: number;
}

export function describeMachine(): MachineInfo {
  const list = cpus();
  return {
    cpus: list.length,
    model: list[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    node: process.version,
    loadAverage: Math.round(loadavg()[0]! * 100) / 100,
  };
}

// `npm run bench -- --compare`: Parley and the calibration prototype, alternately, under the same load and
// pinning; medians and Parley ÷ prototype ratios, which hold on a machine whose speed varies run to run.
import type { BenchOptions } from './args.js';
import type { BenchHooks } from './bench.js';
import type { BenchReport } from './report.js';

interface CompareMedians {
  throughput: number;
  serverCpuUsPerMessage: number | null;
  p50Ms: number;
  p99Ms: number;
  generatorLoadPercent: number;
}

interface CompareReport {
  ok: boolean;
  rounds: number;
  /** In the order they ran: parley, bare, parley, bare… */
  runs: BenchReport[];
  parley: CompareMedians;
  bare: CompareMedians;
  /** Parley ÷ prototype: throughput (higher is better), CPU per message and latency (lower is better). */
  ratios: { throughput: number; serverCpuUsPerMessage: number | null; p50: number; p99: number };
}

/** The median of the numbers given (the mean of the middle two for an even count); null if any is null. */
export function median(values: readonly (number | null)[]): number | null {
  if (values.length === 0 || values.some((v) => v === null || Number.isNaN(v))) return null;
  const sorted = (values as number[]).slice().sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function medians(reports: readonly BenchReport[]): CompareMedians {
  return {
    throughput: median(reports.map((r) => r.load.throughput)) ?? Number.NaN,
    serverCpuUsPerMessage: median(reports.map((r) => r.cpu.serverCpuUsPerMessage)),
    p50Ms: median(reports.map((r) => r.load.latencyMs.p50)) ?? Number.NaN,
    p99Ms: median(reports.map((r) => r.load.latencyMs.p99)) ?? Number.NaN,
    generatorLoadPercent: median(reports.map((r) => r.cpu.generatorLoadPercent)) ?? Number.NaN,
  };
}

/** Folds finished runs into a report; separate from running them so it can be tested without servers. */
export function summarize(runs: readonly BenchReport[], rounds: number): CompareReport {
  const parley = medians(runs.filter((r) => r.server.program === 'parley'));
  const bare = medians(runs.filter((r) => r.server.program === 'bare'));
  const cpu = parley.serverCpuUsPerMessage !== null && bare.serverCpuUsPerMessage !== null ? parley.serverCpuUsPerMessage / bare.serverCpuUsPerMessage : null;
  return {
    ok: runs.length === rounds * 2 && runs.every((r) => r.ok),
    rounds,
    runs: [...runs],
    parley,
    bare,
    ratios: { throughput: parley.throughput / bare.throughput, serverCpuUsPerMessage: cpu, p50: parley.p50Ms / bare.p50Ms, p99: parley.p99Ms / bare.p99Ms },
  };
}

export async function runCompare(
  options: BenchOptions,
  runBench: (options: BenchOptions, hooks: BenchHooks) => Promise<BenchReport>,
  hooks: BenchHooks = {},
): Promise<CompareReport> {
  const runs: BenchReport[] = [];
  for (let round = 1; round <= options.compareRounds; round++) {
    for (const bare of [false, true]) {
      hooks.log?.(`round ${round} of ${options.compareRounds}: ${bare ? 'the prototype' : 'Parley'}`);
      runs.push(await runBench({ ...options, bare, compareRounds: 0 }, hooks));
    }
  }
  return summarize(runs, options.compareRounds);
}

const f = (n: number | null, digits: number): string => (n === null || Number.isNaN(n) ? '–' : n.toFixed(digits));

export function formatCompare(c: CompareReport): string {
  const first = c.runs[0];
  const lines = [
    `Parley vs the calibration prototype (bench/bare-server.ts), ${c.rounds} round(s), alternating`,
    ...(first ? [`machine    ${first.machine.cpus}× ${first.machine.model}, Node ${first.machine.node}`, `load       ${describe(first)}`] : []),
    '',
    '| run | msg/s | server µs/msg | p50 ms | p99 ms | generator CPU % | lost/dup |',
    '|---|---|---|---|---|---|---|',
    ...c.runs.map(
      (r) =>
        `| ${r.server.program} | ${f(r.load.throughput, 0)} | ${f(r.cpu.serverCpuUsPerMessage, 1)} | ${f(r.load.latencyMs.p50, 2)} | ${f(r.load.latencyMs.p99, 2)} | ${f(r.cpu.generatorLoadPercent, 0)} | ${r.load.totals.lost}/${r.load.totals.duplicated} |`,
    ),
    '',
    `median     Parley ${f(c.parley.throughput, 0)} msg/s, ${f(c.parley.serverCpuUsPerMessage, 1)} µs/msg, p99 ${f(c.parley.p99Ms, 2)} ms; ` +
      `prototype ${f(c.bare.throughput, 0)} msg/s, ${f(c.bare.serverCpuUsPerMessage, 1)} µs/msg, p99 ${f(c.bare.p99Ms, 2)} ms`,
    `ratio      Parley ÷ prototype: throughput ${f(c.ratios.throughput, 2)}×, CPU per message ${f(c.ratios.serverCpuUsPerMessage, 2)}×, ` +
      `p50 ${f(c.ratios.p50, 2)}×, p99 ${f(c.ratios.p99, 2)}×`,
  ];
  // Printed once each: a run that went unpinned or ran from src must not hide behind the medians.
  for (const warning of new Set(c.runs.flatMap((r) => r.warnings))) lines.push(`warning    ${warning}`);
  const failed = c.runs.filter((r) => !r.ok);
  lines.push(failed.length === 0 ? 'result     OK (0 lost, 0 duplicated in every run)' : `result     FAILED: ${failed.flatMap((r) => r.failures).join('; ')}`);
  return lines.join('\n');
}

function describe(r: BenchReport): string {
  const o = r.options;
  const mode = o.mode.kind === 'closed' ? `closed loop W=${o.mode.window}` : `open loop ${o.mode.rate} msg/s`;
  const bound = o.messages !== null ? `${o.messages} messages` : `${o.durationSec} s`;
  return `${mode}, ${o.users} users${o.contacts === 0 ? '' : ` with ${o.contacts} contacts each`} (${o.clients} clients), ${o.size}-byte bodies, ${bound} per run`;
}

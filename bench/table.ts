// Prints saved `npm run bench -- --json` reports as one Markdown table, for bench/RESULTS.md; a group report
// (--group) as its own table of rows, its 1:1 baseline in the first table.
// Usage: node --import tsx bench/table.ts report.json…
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { groupTable, type GroupBenchReport } from './group-report.js';
import type { BenchReport } from './report.js';

const f = (n: number | null | undefined, digits = 0): string => (n === null || n === undefined || Number.isNaN(n) ? '–' : n.toFixed(digits));
const reports = process.argv.slice(2).map((file) => ({ file, report: JSON.parse(readFileSync(file, 'utf8')) as BenchReport | GroupBenchReport }));
const groups = reports.filter((r): r is { file: string; report: GroupBenchReport } => 'rows' in r.report);
// A group report's 1:1 baseline reads as a 1:1 report: its load, and the server's CPU per message.
const direct = reports.flatMap(({ file, report }): { file: string; r: BenchReport }[] => {
  if (!('rows' in report)) return [{ file, r: report }];
  const b = report.baseline;
  if (b === null) return [];
  const cpu = { serverLoadPercent: b.server.cpuPercent, serverCpuUsPerMessage: b.server.cpuUsPerMessage, serverRunQueuePercent: b.server.runQueuePercent, generatorLoadPercent: b.load.generatorCpuPercent };
  const options = { ...report.options, mode: { kind: 'closed', window: 8 } as const };
  return [{ file: `${basename(file, '.json')}-1to1`, r: { ...report, options, cpu, load: b.load, memory: { idle: null } } as unknown as BenchReport }];
});
// Runs of --database or --nodes get their own columns: nodes, cross-node latency, group commits, PostgreSQL + Redis CPU.
const clustered = direct.some(({ r }) => r.cluster != null);
const clusterColumns = (r: BenchReport): string[] => {
  if (!clustered) return [];
  const c = r.cluster ?? null;
  const cross = r.load.byPath?.crossNode ?? null;
  const commits = r.commits ?? null;
  return [
    c === null ? '1 (SQLite)' : `${c.nodes.length}${c.database === null ? '' : ' (PG)'}`,
    cross === null ? '–' : `${f(cross.p50, 2)} / ${f(cross.p99, 2)} (${f((100 * cross.count) / Math.max(1, r.load.totals.delivered))} %)`,
    commits === null || commits.commits === 0 ? '–' : `${f(commits.messages / commits.commits, 1)} × ${f((1000 * commits.seconds) / commits.commits, 2)} ms`,
    f(c?.servicesLoadPercent),
  ];
};
const rows = direct.map(({ file, r }) => {
  const o = r.options;
  const t = r.load.totals;
  const mode = o.mode.kind === 'closed' ? `W=${o.mode.window}` : `${o.mode.rate}/s open`;
  return [
    basename(file, '.json'),
    mode,
    f(r.load.throughput),
    f(r.load.latencyMs.p50, 2),
    f(r.load.latencyMs.p99, 2),
    f(r.load.latencyMs.max, 1),
    f(r.cpu.serverLoadPercent),
    f(r.cpu.serverCpuUsPerMessage, 1),
    f(r.cpu.serverRunQueuePercent),
    f(r.cpu.generatorLoadPercent),
    r.memory.idle ? f(r.memory.idle.bytesPerConnection / 1024, 2) : '–',
    `${t.lost}/${t.duplicated}`,
    f(r.machine.loadAverage, 1),
    ...clusterColumns(r),
  ];
});
const header = ['run', 'load', 'msg/s', 'p50 ms', 'p99 ms', 'max ms', 'server CPU %', 'server µs/msg', 'server run-queue %', 'generator CPU %', 'KiB/idle conn', 'lost/dup', 'load avg'];
if (clustered) header.push('nodes', 'cross-node p50 / p99 ms (share)', 'msgs × ms per commit', 'PG + Redis CPU %');
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map(() => '---').join('|')}|`);
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
for (const { file, report } of groups) console.log(`\n${basename(file, '.json')} (load average ${f(report.machine.loadAverage, 1)}):\n${groupTable(report)}`);

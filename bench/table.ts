// Prints saved `npm run bench -- --json` reports as one Markdown table, for bench/RESULTS.md.
// Usage: node --import tsx bench/table.ts report.json…
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { BenchReport } from './report.js';

const f = (n: number | null | undefined, digits = 0): string => (n === null || n === undefined || Number.isNaN(n) ? '–' : n.toFixed(digits));
const rows = process.argv.slice(2).map((file) => {
  const r = JSON.parse(readFileSync(file, 'utf8')) as BenchReport;
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
  ];
});
const header = ['run', 'load', 'msg/s', 'p50 ms', 'p99 ms', 'max ms', 'server CPU %', 'server µs/msg', 'server run-queue %', 'generator CPU %', 'KiB/idle conn', 'lost/dup', 'load avg'];
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map(() => '---').join('|')}|`);
for (const row of rows) console.log(`| ${row.join(' | ')} |`);

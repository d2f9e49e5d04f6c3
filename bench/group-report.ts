// The group benchmark's report: its rows (group size, rate), their verdict, and the text and Markdown forms.
import type { GroupLoadResult } from './group-load.js';
import type { LoadResult } from './load.js';
import { failuresOf, GENERATOR_BOTTLENECK_PERCENT, type ReportHeader } from './report.js';

/** One group size at one rate. */
export interface RowPlan {
  members: number;
  rate: number;
}

/**
 * The main row (--group at --rate), then each --fanout size at the main row's pushes per second
 * (rate × (members − 1)), capped at --rate: a 1,000-member group gets fewer messages, not more pushes.
 */
export function planRows(members: number, rate: number, fanout: readonly number[]): RowPlan[] {
  const pushesPerSecond = rate * (members - 1);
  const rows: RowPlan[] = [{ members, rate }];
  for (const size of fanout) {
    const row = { members: size, rate: Math.max(1, Math.min(rate, Math.round(pushesPerSecond / (size - 1)))) };
    if (!rows.some((r) => r.members === row.members && r.rate === row.rate)) rows.push(row);
  }
  return rows;
}

export interface ServerUse {
  /** Server CPU while sending, % of one core. */
  cpuPercent: number | null;
  runQueuePercent: number | null;
  /** Server CPU from the first send to the last push (drain included), per message and per push. */
  cpuUsPerMessage: number | null;
  cpuUsPerPush: number | null;
  rssBeforeBytes: number | null;
  rssAfterBytes: number | null;
}

export interface GroupRow extends RowPlan {
  senders: number;
  conversationId: number;
  /** createGroup + changeGroup for all members, seconds. */
  setupSeconds: number;
  load: GroupLoadResult;
  server: ServerUse;
  failures: string[];
}

export interface GroupBenchReport extends ReportHeader {
  server: { own: boolean; pid: number | null };
  connect: { count: number; seconds: number };
  /** The 1:1 run (W=8) on the same server before the group rows, for comparison. */
  baseline: { load: LoadResult; server: ServerUse; failures: string[] } | null;
  rows: GroupRow[];
}

/** Every reason a group row is not a result; empty means it is one. */
export function groupFailures(load: GroupLoadResult): string[] {
  const t = load.totals;
  const f: string[] = [];
  // Owed pushes that never came end the run by the drain timeout: lost, or still on their way (a server far behind).
  if (t.pushesLost > 0) f.push(`${t.pushesLost} pushes to members lost (not in by the end of the drain)`);
  if (t.duplicated > 0) f.push(`${t.duplicated} pushes duplicated`);
  if (t.echoes > 0) f.push(`${t.echoes} messages pushed back to the sending connection`);
  if (t.misdelivered > 0) f.push(`${t.misdelivered} pushes to connections outside the group`);
  if (t.pushedRejected > 0) f.push(`${t.pushedRejected} pushes of refused messages`);
  if (t.unacked > 0) f.push(`${t.unacked} messages ${load.drainTimedOut ? 'not yet' : 'never'} acknowledged`);
  if (t.unknownPushes > 0) f.push(`${t.unknownPushes} pushes of messages this run never sent`);
  if (t.unknownAcks + t.duplicateAcks > 0) f.push(`${t.unknownAcks + t.duplicateAcks} unexpected or repeated acks`);
  if (load.strayPushes > 0) f.push(`${load.strayPushes} pushes of another conversation`);
  if (load.ackMismatches > 0) f.push(`${load.ackMismatches} acks named another clientMsgId`);
  const errors = Object.entries(load.errors);
  if (errors.length > 0) f.push(`error replies: ${errors.map(([code, n]) => `${code}×${n}`).join(', ')}`);
  if (load.closedConnections > 0) f.push(`${load.closedConnections} member connections closed during the load`);
  if (load.drainTimedOut) f.push('outstanding pushes did not arrive before the drain timeout');
  if (load.fellBehind) f.push('the server fell more than 5 s behind the offered rate; sending stopped');
  if (t.sent === 0) f.push('nothing was sent');
  return f;
}

/** The baseline's verdict, as the 1:1 benchmark gives it. */
export const baselineFailures = (load: LoadResult): string[] => failuresOf(load, null, 0);

const num = (n: number): string => Math.round(n).toLocaleString('en-US');
const ms = (n: number): string => (Number.isNaN(n) ? '-' : n < 10 ? n.toFixed(2) : n.toFixed(1));
const pct = (n: number | null): string => (n === null ? '?' : `${n.toFixed(0)}%`);
const mib = (bytes: number | null): string => (bytes === null ? '?' : `${(bytes / 2 ** 20).toFixed(1)} MiB`);
const us = (n: number | null): string => (n === null ? '?' : n.toFixed(1));

export function formatGroupRow(r: GroupRow): string {
  const l = r.load;
  const t = l.totals;
  return [
    `group ${num(r.members)} at ${num(r.rate)} msg/s (${r.senders} senders, conversation ${r.conversationId}, made in ${r.setupSeconds.toFixed(2)} s)`,
    `  messages sent ${num(t.sent)} (offered ${num(l.offeredRate)}/s), acked ${num(t.acked)}, complete ${num(t.complete)}; pushes ${num(t.pushes)} of ${num(t.pushesExpected)}, lost ${t.pushesLost}, duplicated ${t.duplicated}`,
    `  delivered ${num(l.pushesPerSecond)} pushes/s to members, ${num(l.messagesPerSecond)} complete msg/s (${l.seconds.toFixed(2)} s from first send to last push)`,
    `  send → last member p50 ${ms(l.latencyMs.lastMember.p50)} ms, p99 ${ms(l.latencyMs.lastMember.p99)} ms, max ${ms(l.latencyMs.lastMember.max)} ms; first member p50 ${ms(l.latencyMs.firstMember.p50)}, p99 ${ms(l.latencyMs.firstMember.p99)} ms; any push p99 ${ms(l.latencyMs.push.p99)} ms`,
    `  ack p50 ${ms(l.latencyMs.ack.p50)} ms, p99 ${ms(l.latencyMs.ack.p99)} ms`,
    `  server ${pct(r.server.cpuPercent)} of a core (waited for it ${pct(r.server.runQueuePercent)}), ${us(r.server.cpuUsPerMessage)} µs CPU per message, ${us(r.server.cpuUsPerPush)} µs per push; RSS ${mib(r.server.rssBeforeBytes)} → ${mib(r.server.rssAfterBytes)}`,
    `  generator ${l.generatorCpuPercent.toFixed(0)}% of a core (${l.generatorSystemPercent.toFixed(0)}% in the kernel)${l.generatorCpuPercent >= GENERATOR_BOTTLENECK_PERCENT ? ': it may have set the pace' : ''}`,
    `  ${r.failures.length === 0 ? 'OK (0 lost, 0 duplicated)' : `FAILED: ${r.failures.join('; ')}`}`,
  ].join('\n');
}

export function formatGroupReport(r: GroupBenchReport): string {
  const lines = [
    `Parley group bench ${r.date}`,
    `machine    ${r.machine.cpus}× ${r.machine.model}, ${r.machine.memoryGiB} GiB, Linux ${r.machine.kernel}, Node ${r.machine.node}, load average ${r.machine.loadAverage}`,
    `pinning    ${r.pinning === null ? 'none' : `server → core ${r.pinning.server ?? '(external, not pinned)'}, generator → core ${r.pinning.generator}`}`,
    `connect    ${num(r.connect.count)} connections in ${r.connect.seconds.toFixed(2)} s, ${r.options.clients} clients, ${r.options.size}-byte bodies`,
  ];
  const b = r.baseline;
  if (b !== null) {
    lines.push(
      `1:1 W=8    ${num(b.load.throughput)} msg/s among ${r.options.users} users, p50 ${ms(b.load.latencyMs.p50)} ms, p99 ${ms(b.load.latencyMs.p99)} ms; server ${pct(b.server.cpuPercent)}, ${us(b.server.cpuUsPerMessage)} µs per message; generator ${b.load.generatorCpuPercent.toFixed(0)}%; ${b.failures.length === 0 ? 'OK' : `FAILED: ${b.failures.join('; ')}`}`,
    );
  }
  for (const row of r.rows) lines.push(formatGroupRow(row));
  for (const w of r.warnings) lines.push(`warning    ${w}`);
  lines.push(r.ok ? 'result     OK (0 lost, 0 duplicated)' : `result     FAILED: ${r.failures.join('; ')}`);
  return lines.join('\n');
}

/** The rows as a Markdown table, for bench/RESULTS.md. */
export function groupTable(r: GroupBenchReport): string {
  const header = ['members', 'msg/s offered', 'pushes/s delivered', 'last member p50 / p99 / max ms', 'ack p99 ms', 'server CPU %', 'µs/msg', 'µs/push', 'RSS MiB', 'generator CPU %', 'lost/dup'];
  const rows = r.rows.map((row) => {
    const l = row.load;
    return [
      num(row.members),
      num(l.offeredRate),
      num(l.pushesPerSecond),
      `${ms(l.latencyMs.lastMember.p50)} / ${ms(l.latencyMs.lastMember.p99)} / ${ms(l.latencyMs.lastMember.max)}`,
      ms(l.latencyMs.ack.p99),
      pct(row.server.cpuPercent).replace('%', ''),
      us(row.server.cpuUsPerMessage),
      us(row.server.cpuUsPerPush),
      mib(row.server.rssAfterBytes).replace(' MiB', ''),
      l.generatorCpuPercent.toFixed(0),
      `${l.totals.pushesLost}/${l.totals.duplicated}`,
    ];
  });
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

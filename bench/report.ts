// Turns a finished run into a verdict (which counts fail it), a human-readable report and the JSON one.
import { redactedUrl } from '../src/server/store/postgres/url.js';
import type { BenchOptions } from './args.js';
import type { LoadResult, Progress } from './load.js';
import type { CommitStats } from './metrics.js';
import type { LatencySummary } from './stats.js';
import { describeMachine, type MachineInfo } from './proc.js';

export interface PhaseTiming {
  count: number;
  seconds: number;
  perSecond: number;
}

export interface IdleMemory {
  /** Idle connections at the first and second measurement. */
  from: number;
  to: number;
  rssFromBytes: number;
  rssToBytes: number;
  /** (rss_to − rss_from) / (to − from): the method of docs/performance.md. */
  bytesPerConnection: number;
  stillOpenAfterLoad: number;
}

/** Server memory after K password logins (each an argon2id verification), their connections kept open. */
export interface LoginWaveMemory {
  count: number;
  seconds: number;
  rssIdleServerBytes: number | null;
  rssAfterBytes: number | null;
  /** (RSS after the wave, settled − RSS of the idle server) / K. */
  bytesPerConnection: number | null;
  /** With --idle: every connection open after the idle ones (wave, users, idle), and RSS above the idle server per connection then. */
  totalConnections: number | null;
  bytesPerConnectionAtTotal: number | null;
}

/** What every benchmark report starts with: the verdict, when, how it was run, and on what. */
export interface ReportHeader {
  ok: boolean;
  failures: string[];
  warnings: string[];
  date: string;
  command: string;
  machine: MachineInfo;
  pinning: { server: number | null; generator: number } | null;
  options: BenchOptions;
}

/** The header of a run's report; a run whose server and generator shared the cores says so among the warnings. */
export function reportHeader(failures: string[], warnings: string[], pinning: ReportHeader['pinning'], options: BenchOptions): ReportHeader {
  if (pinning === null && options.url === null) warnings.push('server and generator shared the cores; figures are not comparable with pinned runs');
  return {
    ok: failures.length === 0,
    failures,
    warnings,
    date: new Date().toISOString(),
    // A --database URL's password stays out of the report.
    command: `npm run bench -- ${process.argv.slice(2).map(redactedUrl).join(' ')}`.trim(),
    machine: describeMachine(),
    pinning,
    options: options.database === null ? options : { ...options, database: redactedUrl(options.database) },
  };
}

export interface BenchReport extends ReportHeader {
  /** program: Parley, or the calibration prototype (--bare); a server given by --url counts as Parley. */
  server: { own: boolean; pid: number | null; program: 'parley' | 'bare' };
  /** --database or --nodes: the run's own database, the Redis, and each node (the cpu and memory figures are their sums). */
  cluster: ClusterReport | null;
  register: PhaseTiming & { cached: number; concurrency: number };
  logins: PhaseTiming | null;
  connect: PhaseTiming;
  memory: {
    rssBeforeUsersBytes: number | null;
    rssAfterUsersBytes: number | null;
    bytesPerUserConnection: number | null;
    rssAfterLoadBytes: number | null;
    idle: IdleMemory | null;
    loginWave: LoginWaveMemory | null;
  };
  cpu: {
    serverLoadPercent: number | null;
    /** Share of the load phase the server's event loop was ready to run but waited for its core. */
    serverRunQueuePercent: number | null;
    /**
     * Server CPU time per delivered message during the load. Unlike msg/s it hardly depends on
     * what else runs on the machine, so it compares runs on a busy machine; 1e6 / it is the rate
     * one fully available core would sustain if nothing else limited it.
     */
    serverCpuUsPerMessage: number | null;
    serverConnectCpuSec: number | null;
    generatorLoadPercent: number;
    generatorBottleneck: boolean;
  };
  /** The own Parley servers' group commits over the run (summed over nodes), from /metrics; null when not read. */
  commits: CommitStats | null;
  load: LoadResult;
}

export interface ClusterReport {
  /** The run's own database on the --database server; null when SQLite. */
  database: string | null;
  redis: string | null;
  /** --database: CPU of every postgres and redis-server process on the machine while sending (anyone else's included), % of a core. */
  servicesLoadPercent: number | null;
  nodes: {
    url: string;
    pid: number;
    /** Users connected to this node (user i to node i mod N). */
    users: number;
    /** This node's CPU while sending, % of a core. */
    loadPercent: number | null;
    rssAfterLoadBytes: number | null;
    commits: CommitStats | null;
  }[];
}

/** Above this much of its core the generator, not the server, sets the pace (docs/performance.md). */
export const GENERATOR_BOTTLENECK_PERCENT = 90;

/** Every reason the run is not a result; empty means it is one. */
export function failuresOf(load: LoadResult, idle: IdleMemory | null, idleWanted: number): string[] {
  const t = load.totals;
  const f: string[] = [];
  if (t.lost > 0) f.push(`${t.lost} messages lost`);
  if (t.duplicated > 0) f.push(`${t.duplicated} messages duplicated`);
  if (t.misdelivered > 0) f.push(`${t.misdelivered} messages delivered to the wrong user`);
  if (t.unacked > 0) f.push(`${t.unacked} messages never acknowledged`);
  if (t.unknownDeliveries > 0) f.push(`${t.unknownDeliveries} deliveries of messages this run never sent`);
  if (t.unknownAcks + t.duplicateAcks > 0) f.push(`${t.unknownAcks + t.duplicateAcks} unexpected or repeated acks`);
  if (load.ackMismatches > 0) f.push(`${load.ackMismatches} acks named another clientMsgId`);
  const errors = Object.entries(load.errors);
  if (errors.length > 0) f.push(`error replies: ${errors.map(([code, n]) => `${code}×${n}`).join(', ')}`);
  if (load.closedConnections > 0) f.push(`${load.closedConnections} user connections closed during the load`);
  if (load.drainTimedOut) f.push('outstanding messages did not arrive before the drain timeout');
  if (load.fellBehind) f.push('the server fell more than 5 s behind the offered rate; sending stopped');
  if (t.sent === 0) f.push('nothing was sent');
  if (idle !== null && idle.stillOpenAfterLoad < idleWanted) f.push(`${idleWanted - idle.stillOpenAfterLoad} idle connections were dropped`);
  return f;
}

const mib = (bytes: number | null): string => (bytes === null ? '?' : `${(bytes / 2 ** 20).toFixed(1)} MiB`);
const kib = (bytes: number | null): string => (bytes === null ? '?' : `${(bytes / 1024).toFixed(2)} KiB`);
const num = (n: number): string => Math.round(n).toLocaleString('en-US');
const ms = (n: number): string => (Number.isNaN(n) ? '-' : n < 10 ? n.toFixed(3) : n.toFixed(1));

function describeMode(o: BenchOptions): string {
  const mode = o.mode.kind === 'closed' ? `closed loop W=${o.mode.window}` : `open loop ${num(o.mode.rate)} msg/s`;
  const bound = o.messages !== null ? `${num(o.messages)} messages` : `${o.durationSec} s`;
  return `${mode}, ${o.users} users${o.contacts === 0 ? '' : ` with ${o.contacts} contacts each`} (${o.clients} clients, ${o.accounts} accounts), ${o.size}-byte bodies, ${bound}`;
}

export function formatReport(r: BenchReport): string {
  const l = r.load;
  const t = l.totals;
  const lines = [
    `Parley bench ${r.date}${r.server.program === 'bare' ? ' — server: the calibration prototype (bench/bare-server.ts), not Parley' : ''}`,
    `machine    ${r.machine.cpus}× ${r.machine.model}, ${r.machine.memoryGiB} GiB, Linux ${r.machine.kernel}, Node ${r.machine.node}, load average ${r.machine.loadAverage}`,
    `pinning    ${r.pinning === null ? 'none' : `server → core ${r.pinning.server ?? '(external, not pinned)'}, generator → core ${r.pinning.generator}`}`,
    `load       ${describeMode(r.options)}`,
    ...clusterLines(r),
    `register   ${r.register.count} users in ${r.register.seconds.toFixed(2)} s (${r.register.perSecond.toFixed(1)}/s, one argon2id hash each, ${r.register.concurrency} at a time${r.register.cached > 0 ? `; ${r.register.cached} more from the token cache` : ''})`,
  ];
  if (r.logins !== null) lines.push(`logins     ${r.logins.count} password logins in ${r.logins.seconds.toFixed(2)} s (${r.logins.perSecond.toFixed(1)}/s)`);
  lines.push(
    `connect    ${r.connect.count} users in ${r.connect.seconds.toFixed(3)} s (${num(r.connect.perSecond)}/s, hello + resume by token), ${r.options.clients} clients`,
    `memory     server RSS ${mib(r.memory.rssBeforeUsersBytes)} before users, ${mib(r.memory.rssAfterUsersBytes)} after (${kib(r.memory.bytesPerUserConnection)} per user connection, rough: heap growth steps dominate at this count; --idle measures the slope), ${mib(r.memory.rssAfterLoadBytes)} after the load`,
  );
  const wave = r.memory.loginWave;
  if (wave !== null) {
    lines.push(
      `login wave ${num(wave.count)} password logins in ${wave.seconds.toFixed(1)} s, kept open: RSS ${mib(wave.rssIdleServerBytes)} idle → ${mib(wave.rssAfterBytes)} settled, ${kib(wave.bytesPerConnection)} per connection` +
        (wave.totalConnections === null ? '' : `; ${kib(wave.bytesPerConnectionAtTotal)} per connection at ${num(wave.totalConnections)} connections`),
    );
  }
  const idle = r.memory.idle;
  if (idle !== null) {
    lines.push(
      `idle       ${num(idle.from)} → ${num(idle.to)} idle connections: RSS ${mib(idle.rssFromBytes)} → ${mib(idle.rssToBytes)}, slope ${kib(idle.bytesPerConnection)} per connection; ${num(idle.stillOpenAfterLoad)} still open after the load`,
    );
  }
  lines.push(
    `messages   sent ${num(t.sent)}, acked ${num(t.acked)}, delivered ${num(t.delivered)}, lost ${t.lost}, duplicated ${t.duplicated}${t.rejected > 0 ? `, rejected ${t.rejected}` : ''}${l.otherEvents > 0 ? `; ${num(l.otherEvents)} other events (presence of new contacts…)` : ''}`,
    `throughput ${num(l.throughput)} msg/s delivered (${l.seconds.toFixed(2)} s from first send to last delivery)${l.offeredRate > 0 ? `; offered ${num(l.offeredRate)} msg/s` : ''}`,
    `latency    send → delivery p50 ${ms(l.latencyMs.p50)} ms, p95 ${ms(l.latencyMs.p95)} ms, p99 ${ms(l.latencyMs.p99)} ms, max ${ms(l.latencyMs.max)} ms`,
    ...(l.byPath === null ? [] : [pathLine('cross-node', l.byPath.crossNode, t.delivered), pathLine('same node', l.byPath.sameNode, t.delivered)]),
    `cpu        server ${r.cpu.serverLoadPercent === null ? '?' : r.cpu.serverLoadPercent.toFixed(0)}% of a core, generator ${r.cpu.generatorLoadPercent.toFixed(0)}% of a core (${r.load.generatorSystemPercent.toFixed(0)}% in the kernel) while sending`,
    `run queue  the server's event loop waited for its core ${r.cpu.serverRunQueuePercent === null ? '?' : r.cpu.serverRunQueuePercent.toFixed(0)}% of the load phase (other processes on that core)`,
    ...(r.commits === null ? [] : [`commits    ${describeCommits(r.commits)} (the store's time, statements and COMMIT)`]),
    `server     ${r.cpu.serverCpuUsPerMessage === null ? '?' : `${r.cpu.serverCpuUsPerMessage.toFixed(1)} µs CPU per message (≈ ${num(1e6 / r.cpu.serverCpuUsPerMessage)} msg/s on a whole core)`}`,
  );
  for (const w of r.warnings) lines.push(`warning    ${w}`);
  lines.push(r.ok ? 'result     OK (0 lost, 0 duplicated)' : `result     FAILED: ${r.failures.join('; ')}`);
  return lines.join('\n');
}

/** The store, Redis and nodes of a --database or --nodes run; nothing for the usual one. */
function clusterLines(r: BenchReport): string[] {
  const c = r.cluster;
  if (c === null) return [];
  const store = c.database === null ? 'SQLite' : `PostgreSQL, the run's own database ${c.database} (dropped after the run)`;
  const lines = [`store      ${store}${c.redis === null ? '' : `; Redis ${c.redis} between the nodes`}`];
  if (c.servicesLoadPercent !== null) {
    lines.push(`services   postgres and redis-server processes used ${c.servicesLoadPercent.toFixed(0)}% of a core while sending (machine-wide: other users' queries count too)`);
  }
  if (c.nodes.length > 1) {
    lines.push(
      `nodes      ${c.nodes.length} Parley servers, user i on node i mod ${c.nodes.length}; server CPU, RSS and run queue below are sums over them`,
      ...c.nodes.map(
        (n, i) =>
          `  node ${i + 1}   ${n.url}, ${n.users} users, ${n.loadPercent === null ? '?' : n.loadPercent.toFixed(0)}% of a core while sending, RSS ${mib(n.rssAfterLoadBytes)} after the load, ${describeCommits(n.commits)}`,
      ),
    );
  }
  return lines;
}

function describeCommits(c: CommitStats | null): string {
  if (c === null) return 'commits ?';
  return `${num(c.commits)} group commits, ${c.commits > 0 ? (c.messages / c.commits).toFixed(1) : '-'} messages and ${c.commits > 0 ? ms((1000 * c.seconds) / c.commits) : '-'} ms each`;
}

function pathLine(label: string, s: LatencySummary, delivered: number): string {
  const share = delivered > 0 ? ((100 * s.count) / delivered).toFixed(1) : '0';
  return `  ${label.padEnd(10)} ${num(s.count)} deliveries (${share}%): p50 ${ms(s.p50)} ms, p95 ${ms(s.p95)} ms, p99 ${ms(s.p99)} ms, max ${ms(s.max)} ms`;
}

export function formatProgress(p: Progress): string {
  return `${p.elapsedSec.toFixed(0).padStart(4)} s  sent ${num(p.sent)}  acked ${num(p.acked)}  delivered ${num(p.delivered)}  in flight ${num(p.inFlight)}  ${num(p.recentRate)} msg/s`;
}

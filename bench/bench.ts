// One benchmark run: start or reach the server, register and connect users, hold idle connections, drive the load, measure.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchOptions, ClientStyle } from './args.js';
import { AccountBook, connectAccount, ensureAccounts, loginAccount, mapLimit, timeLogins, type Account } from './accounts.js';
import { WriteBatcher, type BenchConnection } from './conn.js';
import { runLoad, type LoadUser } from './load.js';
import { readCommitStats, sumCommitStats } from './metrics.js';
import { pinningProblem, pinProcess } from './pin.js';
import { cpuPercent, namedCpuPercent, runQueuePercent, sampleByName, sampleProcess, type ProcSample } from './proc.js';
import { failuresOf, formatProgress, GENERATOR_BOTTLENECK_PERCENT, reportHeader, type BenchReport, type IdleMemory, type LoginWaveMemory } from './report.js';
import { createScratchDatabase, migrateInto, type ScratchDatabase } from './database.js';
import { builtServer, startServer, type OwnServer } from './server.js';
import { accountNames, runDataFolder, TEMPLATE_PREFIX, type RunDataFolder } from './template.js';

/** Time for the server's heap to settle before reading its RSS. */
const SETTLE_MS = 1_000;
/**
 * Before the idle server's RSS and after a login wave: V8's memory reducer shrinks a young generation that
 * a burst grew only after some quiet seconds (an idle server's RSS fell by 9 MiB 30-33 s after its start).
 */
const WAVE_SETTLE_MS = 40_000;
const CONNECT_CONCURRENCY = 64;
/** The command names of PostgreSQL's and Redis's processes, whose CPU a --database run reports. */
const SERVICE_PROCESSES = ['postgres', 'redis-server'];

/** Progress on stderr: one rewritten line on a terminal, a line every 5 s otherwise. */
export function progressPrinter(enabled: boolean): ((line: string) => void) & { end(): void } {
  const tty = process.stderr.isTTY === true;
  let lastPrint = 0;
  const print = (line: string): void => {
    if (!enabled) return;
    if (tty) process.stderr.write(`\r${line}\x1b[K`);
    else if (performance.now() - lastPrint >= 5_000) {
      lastPrint = performance.now();
      process.stderr.write(`${line}\n`);
    }
  };
  return Object.assign(print, {
    end(): void {
      if (enabled && tty) process.stderr.write('\r\x1b[K');
    },
  });
}

/** Opens `count` more connections into `into`, as the accounts in turn (by token, or by password when given), over the nodes in turn. */
async function openMore(
  urls: readonly string[],
  accounts: readonly Account[],
  book: AccountBook,
  count: number,
  into: BenchConnection[],
  style: ClientStyle,
  password: string | null = null,
): Promise<void> {
  const start = into.length;
  await mapLimit(
    Array.from({ length: count }, (_, i) => start + i),
    CONNECT_CONCURRENCY,
    async (k) => {
      const account = accounts[k % accounts.length]!;
      const url = urls[k % urls.length]!;
      into.push(password === null ? await connectAccount(url, account, book, null, style) : await loginAccount(url, account, password, style));
    },
  );
}

/** Runs the wave (`open`), lets the server settle when there is one to sample, and reports RSS above the idle server. */
async function loginWaveMemory(idleServer: ProcSample | null, sample: () => ProcSample | null, open: () => Promise<void>, count: number): Promise<LoginWaveMemory> {
  const started = performance.now();
  await open();
  const seconds = (performance.now() - started) / 1000;
  if (idleServer !== null) await sleep(WAVE_SETTLE_MS);
  const after = sample();
  return {
    count,
    seconds,
    rssIdleServerBytes: idleServer?.rssBytes ?? null,
    rssAfterBytes: after?.rssBytes ?? null,
    bytesPerConnection: idleServer !== null && after !== null ? (after.rssBytes - idleServer.rssBytes) / count : null,
    totalConnections: null,
    bytesPerConnectionAtTotal: null,
  };
}

function registered(count: number, seconds: number, accounts: number, concurrency: number): BenchReport['register'] {
  return { count, seconds, perSecond: count / Math.max(1e-9, seconds), cached: accounts - count, concurrency };
}

export interface BenchHooks {
  log?: (line: string) => void;
  /** Told the own servers' pids as soon as they run (none when they stopped), so an emergency exit can kill them. */
  onServerPids?: (pids: readonly number[]) => void;
  /** Told how to drop the run's own PostgreSQL database while it exists (null once dropped), for an emergency exit. */
  onDatabase?: (drop: (() => Promise<void>) | null) => void;
}

export async function runBench(options: BenchOptions, hooks: BenchHooks = {}): Promise<BenchReport> {
  const log = hooks.log ?? (() => {});
  const warnings: string[] = [];
  const pinning = pinGenerator(options, warnings);
  let ownRun: OwnRun | null = null;
  const connections: BenchConnection[] = [];
  const idle: BenchConnection[] = [];
  try {
    ownRun = options.url === null ? await startOwnRun(options, pinning, false, hooks, warnings) : null;
    const own = ownRun?.servers ?? null;
    const dataDir = ownRun?.dataDir ?? null;
    const folder = ownRun?.folder ?? null;
    // Every node's URL; user i (and idle connection i) goes to node i mod N.
    const urls = options.url !== null ? [options.url] : own!.map((s) => s.url);
    const url = urls[0]!;
    const pids = own !== null ? own.map((s) => s.pid) : options.serverPid !== null ? [options.serverPid] : [];
    const pid = pids[0] ?? null;
    // The servers' CPU, memory and run-queue time, summed over the nodes.
    const sample = (): ProcSample | null => (pids.length === 0 ? null : sumSamples(pids.map(sampleProcess)));
    const nodeSamples = (): ProcSample[] => pids.map(sampleProcess);

    const book = AccountBook.inDataDir(dataDir);
    const prefix = dataDir !== null ? TEMPLATE_PREFIX : randomBytes(4).toString('hex');

    log(`registering ${options.accounts} accounts (the ones registered before are reused)…`);
    const style = options.clients;
    const reg = await ensureAccounts(url, accountNames(prefix, options.accounts), book, options.registerConcurrency, style);
    const accounts = reg.accounts.slice(0, options.users);
    const spareAccounts = reg.accounts.slice(options.users);

    let logins: BenchReport['logins'] = null;
    if (options.logins > 0) {
      const sampleAccounts = reg.accounts.slice(0, options.logins);
      const seconds = await timeLogins(url, sampleAccounts, book.password, options.registerConcurrency, style);
      logins = { count: sampleAccounts.length, seconds, perSecond: sampleAccounts.length / seconds };
    }

    // Nothing to sample (a server given by --url without its pid): nothing to wait for.
    await sleep(options.loginWave > 0 && pid !== null ? WAVE_SETTLE_MS : SETTLE_MS);
    const idleServer = sample();
    let loginWave: LoginWaveMemory | null = null;
    if (options.loginWave > 0) {
      log(`logging ${options.loginWave} connections in by password…`);
      const wave = (): Promise<void> => openMore(urls, spareAccounts, book, options.loginWave, idle, style, book.password);
      loginWave = await loginWaveMemory(idleServer, sample, wave, options.loginWave);
    }

    const beforeUsers = sample();
    log(`connecting ${options.users} users…`);
    const batcher = style === 'batched' ? new WriteBatcher() : null;
    const connectStarted = performance.now();
    const users: LoadUser[] = await mapLimit(accounts, CONNECT_CONCURRENCY, async (account, i) => {
      const conn = await connectAccount(urls[i % urls.length]!, account, book, batcher, style);
      connections.push(conn);
      return { username: account.username, conn, node: i % urls.length };
    });
    const connectSeconds = (performance.now() - connectStarted) / 1000;
    const afterConnect = sample();
    await sleep(SETTLE_MS);
    const afterUsers = sample();

    let idleMemory: IdleMemory | null = null;
    if (options.idle > 0) {
      const first = Math.max(1, Math.round(options.idle / 10));
      log(`opening ${first} idle connections…`);
      await openMore(urls, spareAccounts, book, first, idle, style);
      await sleep(SETTLE_MS);
      const a = sample();
      log(`opening ${options.idle - first} more idle connections…`);
      await openMore(urls, spareAccounts, book, options.idle - first, idle, style);
      await sleep(SETTLE_MS);
      const b = sample();
      if (loginWave !== null) {
        // `idle` holds the wave's connections too.
        const total = idle.length + users.length;
        loginWave.totalConnections = total;
        loginWave.bytesPerConnectionAtTotal = idleServer !== null && b !== null ? (b.rssBytes - idleServer.rssBytes) / total : null;
      }
      idleMemory = {
        from: first,
        to: options.idle,
        rssFromBytes: a?.rssBytes ?? 0,
        rssToBytes: b?.rssBytes ?? 0,
        bytesPerConnection: a !== null && b !== null && options.idle > first ? (b.rssBytes - a.rssBytes) / (options.idle - first) : 0,
        stillOpenAfterLoad: 0,
      };
    }
    book.save();

    log('sending…');
    const progress = progressPrinter(options.progress);
    const at: { start: ProcSample | null; end: ProcSample | null } = { start: null, end: null };
    const perNode: { start: ProcSample[]; end: ProcSample[] } = { start: [], end: [] };
    // With --database: what PostgreSQL and Redis spent meanwhile, the store's and the hop's share of the cost.
    const services = options.database === null ? null : { start: sampleByName(SERVICE_PROCESSES), end: sampleByName([]) };
    const load = await runLoad(
      users,
      {
        mode: options.mode,
        messages: options.messages,
        durationSec: options.durationSec,
        size: options.size,
        seed: options.seed,
        contacts: options.contacts,
        drainSec: options.drainSec,
        runId: randomBytes(3).toString('hex'),
        clients: style,
      },
      {
        onStart: () => {
          if (services !== null) services.start = sampleByName(SERVICE_PROCESSES);
          perNode.start = nodeSamples();
          at.start = perNode.start.length === 0 ? null : sumSamples(perNode.start);
        },
        onSendingDone: () => {
          if (services !== null) services.end = sampleByName(SERVICE_PROCESSES);
          perNode.end = nodeSamples();
          at.end = perNode.end.length === 0 ? null : sumSamples(perNode.end);
        },
        onProgress: (p) => progress(formatProgress(p)),
      },
    );
    progress.end();
    const afterLoadNodes = nodeSamples();
    // Parley's own servers: how its sends were grouped into store transactions, per node.
    const nodeCommits = own !== null && !options.bare ? await Promise.all(own.map((s) => readCommitStats(s.url))) : [];
    const afterLoad = afterLoadNodes.length === 0 ? null : sumSamples(afterLoadNodes);
    if (idleMemory !== null) idleMemory.stillOpenAfterLoad = idle.slice(options.loginWave).filter((c) => c.isOpen).length;

    const generatorBottleneck = load.generatorCpuPercent >= GENERATOR_BOTTLENECK_PERCENT;
    if (generatorBottleneck) {
      warnings.push(
        `the generator used ${load.generatorCpuPercent.toFixed(0)}% of its core: it, not the server, may have set the pace; the throughput is a lower bound`,
      );
    }
    return {
      ...reportHeader(failuresOf(load, idleMemory, options.idle), warnings, pinning, options),
      server: { own: own !== null, pid, program: options.bare ? 'bare' : 'parley' },
      cluster:
        own === null || (options.nodes === 1 && options.database === null)
          ? null
          : {
              database: ownRun!.database?.name ?? null,
              redis: options.redis,
              servicesLoadPercent: services === null ? null : namedCpuPercent(services.start, services.end),
              nodes: own.map((s, i) => ({
                url: s.url,
                pid: s.pid,
                users: users.filter((u) => u.node === i).length,
                loadPercent: perNode.start[i] && perNode.end[i] ? cpuPercent(perNode.start[i], perNode.end[i]) : null,
                rssAfterLoadBytes: afterLoadNodes[i]?.rssBytes ?? null,
                commits: nodeCommits[i] ?? null,
              })),
            },
      register: registered(reg.registered + (folder?.registeredNow ?? 0), reg.seconds + (folder?.registerSeconds ?? 0), reg.accounts.length, options.registerConcurrency),
      logins,
      connect: { count: users.length, seconds: connectSeconds, perSecond: users.length / Math.max(1e-9, connectSeconds) },
      memory: {
        rssBeforeUsersBytes: beforeUsers?.rssBytes ?? null,
        rssAfterUsersBytes: afterUsers?.rssBytes ?? null,
        bytesPerUserConnection: beforeUsers !== null && afterUsers !== null ? (afterUsers.rssBytes - beforeUsers.rssBytes) / options.users : null,
        rssAfterLoadBytes: afterLoad?.rssBytes ?? null,
        idle: idleMemory,
        loginWave,
      },
      cpu: {
        serverLoadPercent: at.start !== null && at.end !== null ? cpuPercent(at.start, at.end) : null,
        serverRunQueuePercent: at.start !== null && at.end !== null ? runQueuePercent(at.start, at.end) : null,
        serverCpuUsPerMessage:
          at.start !== null && afterLoad !== null && load.totals.delivered > 0
            ? ((afterLoad.cpuSec - at.start.cpuSec) * 1e6) / load.totals.delivered
            : null,
        serverConnectCpuSec: beforeUsers !== null && afterConnect !== null ? afterConnect.cpuSec - beforeUsers.cpuSec : null,
        generatorLoadPercent: load.generatorCpuPercent,
        generatorBottleneck,
      },
      commits: sumCommitStats(nodeCommits),
      load,
    };
  } finally {
    for (const c of connections) c.terminate();
    for (const c of idle) c.terminate();
    await stopOwnRun(ownRun, hooks);
  }
}

export type Pinning = { server: number | null; generator: number } | null;

/** Pins this process (the generator) to its core, and says where the own server goes; a warning when it cannot. */
export function pinGenerator(options: BenchOptions, warnings: string[]): Pinning {
  if (!options.pin) return null;
  const problem = pinningProblem(options.url === null ? [options.serverCpu, options.generatorCpu] : [options.generatorCpu]);
  if (problem !== null) {
    warnings.push(`not pinned: ${problem}`);
    return null;
  }
  pinProcess(process.pid, options.generatorCpu);
  return { server: options.url === null ? options.serverCpu : null, generator: options.generatorCpu };
}

/** The own servers of a run (one, or --nodes on --database), its data folder (--data or a copy of the template), its database. */
export interface OwnRun {
  servers: OwnServer[];
  dataDir: string | null;
  folder: RunDataFolder | null;
  /** --database: the run's own database on that PostgreSQL server, dropped when the run stops. */
  database: ScratchDatabase | null;
}

/**
 * Starts the own server on a copy of the template data folder (accounts with keys when `keyed`), or on --data; with
 * --database, a fresh database filled from that copy and --nodes servers on it (and --redis), one after another.
 */
export async function startOwnRun(options: BenchOptions, pinning: Pinning, keyed: boolean, hooks: BenchHooks, warnings: string[]): Promise<OwnRun> {
  const log = hooks.log ?? (() => {});
  const program = options.bare ? 'bare' : 'parley';
  if (!options.bare && builtServer() === null) warnings.push('the server ran from src through tsx (dist/ is missing or older than src/): run `npm run build` to measure what `npm start` runs');
  // Without --data the accounts come from a template made once, so a run need not register them.
  const onPid = (pid: number | null): void => hooks.onServerPids?.(pid === null ? [] : [pid]);
  const folder = options.data === null ? await runDataFolder(program, options.accounts, options.registerConcurrency, log, onPid, undefined, keyed) : null;
  const dataDir = options.data ?? folder?.dir ?? null;
  const run: OwnRun = { servers: [], dataDir, folder, database: null };
  try {
    const storeArgs: string[] = [];
    if (options.database !== null) {
      run.database = await createScratchDatabase(options.database, 'parley_bench');
      hooks.onDatabase?.(run.database.drop);
      log(`copying the accounts into the fresh database ${run.database.name}…`);
      await migrateInto(dataDir!, run.database);
      storeArgs.push('--database', run.database.forChild.url, ...(options.redis === null ? [] : ['--redis', options.redis]));
    }
    for (let i = 0; i < options.nodes; i++) {
      log(options.nodes === 1 ? 'starting the server…' : `starting node ${i + 1} of ${options.nodes}…`);
      // Nodes on PostgreSQL keep their data there; each gets a temporary folder for the rest.
      const server = await startServer({
        core: pinning?.server ?? null,
        dataDir: run.database === null ? dataDir : null,
        cpuProfDir: options.cpuProf,
        extraArgs: [...storeArgs, ...options.serverArgs],
        program,
        env: run.database?.forChild.env,
      });
      run.servers.push(server);
      hooks.onServerPids?.(run.servers.map((s) => s.pid));
    }
    return run;
  } catch (error) {
    await stopOwnRun(run, hooks);
    throw error;
  }
}

export async function stopOwnRun(run: OwnRun | null, hooks: BenchHooks): Promise<void> {
  if (run === null) return;
  await Promise.all(run.servers.map((s) => s.stop()));
  hooks.onServerPids?.([]);
  if (run.database !== null) {
    await run.database.drop();
    hooks.onDatabase?.(null);
  }
  run.folder?.remove();
}

/** Samples of several processes as one: CPU, memory and run-queue time added up. */
function sumSamples(samples: readonly ProcSample[]): ProcSample {
  return samples.reduce((sum, s) => ({ cpuSec: sum.cpuSec + s.cpuSec, rssBytes: sum.rssBytes + s.rssBytes, runQueueSec: sum.runQueueSec + s.runQueueSec, at: Math.max(sum.at, s.at) }), {
    cpuSec: 0,
    rssBytes: 0,
    runQueueSec: 0,
    at: 0,
  });
}

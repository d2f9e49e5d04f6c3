// One benchmark run: start or reach the server, register and connect users, hold idle connections, drive the load, measure.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchOptions, ClientStyle } from './args.js';
import { AccountBook, connectAccount, ensureAccounts, loginAccount, mapLimit, timeLogins, type Account } from './accounts.js';
import { WriteBatcher, type BenchConnection } from './conn.js';
import { runLoad, type LoadUser } from './load.js';
import { pinningProblem, pinProcess } from './pin.js';
import { cpuPercent, runQueuePercent, sampleProcess, type ProcSample } from './proc.js';
import { failuresOf, formatProgress, GENERATOR_BOTTLENECK_PERCENT, reportHeader, type BenchReport, type IdleMemory, type LoginWaveMemory } from './report.js';
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

/** Opens `count` more connections into `into`, as the accounts in turn (by token, or by password when given). */
async function openMore(
  url: string,
  accounts: readonly Account[],
  book: AccountBook,
  count: number,
  into: BenchConnection[],
  style: ClientStyle,
  password: string | null = null,
): Promise<void> {
  const start = into.length;
  await mapLimit(
    Array.from({ length: count }, (_, i) => accounts[(start + i) % accounts.length]!),
    CONNECT_CONCURRENCY,
    async (account) => {
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
  /** Told the own server's pid as soon as it runs, so an emergency exit can kill it. */
  onServerPid?: (pid: number | null) => void;
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
    const own = ownRun?.server ?? null;
    const dataDir = ownRun?.dataDir ?? null;
    const folder = ownRun?.folder ?? null;
    const url = options.url ?? own!.url;
    const pid = own?.pid ?? options.serverPid;
    const sample = (): ProcSample | null => (pid === null ? null : sampleProcess(pid));

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
      const wave = (): Promise<void> => openMore(url, spareAccounts, book, options.loginWave, idle, style, book.password);
      loginWave = await loginWaveMemory(idleServer, sample, wave, options.loginWave);
    }

    const beforeUsers = sample();
    log(`connecting ${options.users} users…`);
    const batcher = style === 'batched' ? new WriteBatcher() : null;
    const connectStarted = performance.now();
    const users: LoadUser[] = await mapLimit(accounts, CONNECT_CONCURRENCY, async (account) => {
      const conn = await connectAccount(url, account, book, batcher, style);
      connections.push(conn);
      return { username: account.username, conn };
    });
    const connectSeconds = (performance.now() - connectStarted) / 1000;
    const afterConnect = sample();
    await sleep(SETTLE_MS);
    const afterUsers = sample();

    let idleMemory: IdleMemory | null = null;
    if (options.idle > 0) {
      const first = Math.max(1, Math.round(options.idle / 10));
      log(`opening ${first} idle connections…`);
      await openMore(url, spareAccounts, book, first, idle, style);
      await sleep(SETTLE_MS);
      const a = sample();
      log(`opening ${options.idle - first} more idle connections…`);
      await openMore(url, spareAccounts, book, options.idle - first, idle, style);
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
    const load = await runLoad(
      users,
      {
        mode: options.mode,
        messages: options.messages,
        durationSec: options.durationSec,
        size: options.size,
        seed: options.seed,
        drainSec: options.drainSec,
        runId: randomBytes(3).toString('hex'),
        clients: style,
      },
      {
        onStart: () => (at.start = sample()),
        onSendingDone: () => (at.end = sample()),
        onProgress: (p) => progress(formatProgress(p)),
      },
    );
    progress.end();
    const afterLoad = sample();
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

/** The own server of a run, its data folder (--data or a copy of the template), and the template copy to remove. */
export interface OwnRun {
  server: OwnServer;
  dataDir: string | null;
  folder: RunDataFolder | null;
}

/** Starts the own server on a copy of the template data folder (accounts with keys when `keyed`), or on --data. */
export async function startOwnRun(options: BenchOptions, pinning: Pinning, keyed: boolean, hooks: BenchHooks, warnings: string[]): Promise<OwnRun> {
  const log = hooks.log ?? (() => {});
  const program = options.bare ? 'bare' : 'parley';
  if (!options.bare && builtServer() === null) warnings.push('the server ran from src through tsx (dist/ is missing or older than src/): run `npm run build` to measure what `npm start` runs');
  // Without --data the accounts come from a template made once, so a run need not register them.
  const folder = options.data === null ? await runDataFolder(program, options.accounts, options.registerConcurrency, log, hooks.onServerPid, undefined, keyed) : null;
  const dataDir = options.data ?? folder?.dir ?? null;
  log('starting the server…');
  try {
    const server = await startServer({ core: pinning?.server ?? null, dataDir, cpuProfDir: options.cpuProf, extraArgs: options.serverArgs, program });
    hooks.onServerPid?.(server.pid);
    return { server, dataDir, folder };
  } catch (error) {
    folder?.remove();
    throw error;
  }
}

export async function stopOwnRun(run: OwnRun | null, hooks: BenchHooks): Promise<void> {
  if (run === null) return;
  await run.server.stop();
  hooks.onServerPid?.(null);
  run.folder?.remove();
}


// The reconnect storm (issue 13): N users signed in by token lose their connections at once and all come
// back with `resume`; how long until all are back, how many presence frames that costs, and how a bystander's
// sends fare meanwhile.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backoffDelay } from '../src/shared/client/backoff.js';
import { hashSessionToken, newSessionToken } from '../src/server/passwords.js';
import { SqliteStore } from '../src/server/store/sqlite.js';
import { mapLimit } from './accounts.js';
import { BenchConnection, SETUP_ID_LIMIT } from './conn.js';
import { XorShift32 } from './rng.js';
import { startServer, type OwnServer } from './server.js';
import { LatencyRecorder, type LatencySummary } from './stats.js';

export type StormJitter = 'sdk' | 'none';

export interface StormOptions {
  users: number;
  /** Conversations each user starts with others chosen at random (so each has about twice as many contacts). */
  conversations: number;
  /** 'sdk': each client waits the SDK's first backoff (equal jitter); 'none': all reconnect at the same instant. */
  jitter: readonly StormJitter[];
  /** The Parley tree whose server runs (its src/cli.ts or built dist/): another checkout measures an older server. */
  serverRoot: string | undefined;
  /** The longest a storm may take before it is reported as not finished. */
  timeoutSec: number;
  seed: number;
}

export const DEFAULT_STORM: StormOptions = { users: 2_000, conversations: 2, jitter: ['sdk', 'none'], serverRoot: undefined, timeoutSec: 120, seed: 13 };

interface StormResult {
  jitter: StormJitter;
  /** From the first reconnect to the last `resume` answered, seconds; null when not all came back in time. */
  allBackSec: number | null;
  back: number;
  /** Presence events received by every connection (the N users and the bystanders) from the drop until quiet. */
  presenceFrames: number;
  /** Connections the server cut off as slow consumers (4000) during the storm. */
  cutOff: number;
  /** The bystander's send → ack, while the storm lasted. */
  bystander: LatencySummary;
}

interface StormReport {
  users: number;
  conversations: number;
  contactsPerUser: number;
  /** How many of the N users signed in the first time (64 at a time) within the time limit. */
  setupSignedIn: number;
  /** Presence events received while the N users first signed in (before any storm). */
  setupPresenceFrames: number;
  setupSec: number;
  /** The bystander's send → ack on a quiet server, for comparison. */
  quiet: LatencySummary;
  storms: StormResult[];
}

interface Account {
  username: string;
  token: string;
}

/** A presence frame starts with these bytes (the server serializes `type` first); counted without parsing. */
const PRESENCE_PREFIX = Buffer.from('{"type":"presence"');

/** Counts presence frames over all connections, and when the last one came. */
class PresenceCounter {
  count = 0;
  lastAt = performance.now();

  watch(conn: BenchConnection): void {
    conn.rawSink = (data) => {
      if (data.length < PRESENCE_PREFIX.length || data.compare(PRESENCE_PREFIX, 0, PRESENCE_PREFIX.length, 0, PRESENCE_PREFIX.length) !== 0) return false;
      this.count++;
      this.lastAt = performance.now();
      return true;
    };
  }
}

/**
 * The accounts, their sessions and conversations, written straight into a new data folder through the
 * server's own store: token sessions need no password hash, and 10,000 argon2id registrations would take
 * many minutes. Each user starts `conversations` direct conversations with random others.
 */
async function seedAccounts(dataDir: string, options: Pick<StormOptions, 'users' | 'conversations' | 'seed'>): Promise<{ accounts: Account[]; pairs: number }> {
  const store = new SqliteStore({ file: join(dataDir, 'parley.db') });
  const rng = new XorShift32(options.seed);
  const accounts: Account[] = [];
  const ids: number[] = [];
  const now = Date.now();
  try {
    for (let i = 0; i < options.users + 2; i++) {
      const username = `storm-u${i}`;
      const user = await store.createUser(username, 'seeded: sign in by token only', now);
      const { token } = newSessionToken();
      await store.createSession({ userId: user.id, tokenHash: hashSessionToken(token), device: 'bench', address: null, now });
      accounts.push({ username, token });
      ids.push(user.id);
    }
    const pairs = new Set<string>();
    for (let i = 0; i < options.users; i++) {
      for (let c = 0; c < options.conversations; c++) {
        const j = rng.other(options.users, i);
        const key = i < j ? `${i}:${j}` : `${j}:${i}`;
        if (pairs.has(key)) continue;
        pairs.add(key);
        await store.openDirect(ids[i]!, ids[j]!, now);
      }
    }
    // The two bystanders (the last two accounts) talk to each other and have a few contacts among the users.
    const [a, b] = [options.users, options.users + 1];
    await store.openDirect(ids[a]!, ids[b]!, now);
    for (let c = 0; c < options.conversations; c++) await store.openDirect(ids[a]!, ids[rng.below(options.users)]!, now);
    return { accounts, pairs: pairs.size };
  } finally {
    await store.close();
  }
}

async function connect(url: string, account: Account, counter: PresenceCounter): Promise<BenchConnection> {
  const conn = await BenchConnection.open(url, null, 'independent', 60_000);
  counter.watch(conn);
  await conn.request('hello', { versions: [1], client: 'parley-storm' }, 120_000);
  await conn.request('resume', { token: account.token, device: 'bench' }, 120_000);
  return conn;
}

/** Waits until no presence frame came for `quietMs`, or `limitMs` passed. */
async function untilQuiet(counter: PresenceCounter, quietMs: number, limitMs: number): Promise<void> {
  const deadline = performance.now() + limitMs;
  while (performance.now() - counter.lastAt < quietMs && performance.now() < deadline) await sleep(100);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The bystander sends to its partner one message at a time, about every 20 ms, until stopped. */
class Bystander {
  private readonly latencies = new LatencyRecorder(1 << 12);
  private running = true;
  /** Shared by every bystander of the run: each send is a new message, never a resend of an earlier one. */
  private static sent = 0;
  private acked: (() => void) | null = null;
  private readonly done: Promise<void>;

  constructor(
    private readonly conn: BenchConnection,
    private readonly to: string,
  ) {
    // Load frames take ids above the set-up range, so their replies come here, not to a request.
    conn.sink = (frame) => {
      if ((frame.type === 'ok' || frame.type === 'error') && frame.id !== null && frame.id >= SETUP_ID_LIMIT) this.acked?.();
    };
    conn.ws.once('close', () => {
      this.running = false;
      this.acked?.();
    });
    this.done = this.loop();
  }

  private async loop(): Promise<void> {
    while (this.running && this.conn.isOpen) {
      const started = performance.now();
      const id = SETUP_ID_LIMIT + Bystander.sent++;
      await new Promise<void>((resolve) => {
        this.acked = resolve;
        this.conn.write(JSON.stringify({ id, type: 'send', to: this.to, clientMsgId: `storm-${process.pid}-${id}`, body: 'bystander' }));
      });
      this.latencies.add(performance.now() - started);
      await sleep(20);
    }
  }

  async stopAfter(ms: number): Promise<LatencySummary> {
    await sleep(ms);
    return this.stop();
  }

  async stop(): Promise<LatencySummary> {
    this.running = false;
    await this.done;
    return this.latencies.summary();
  }
}

/**
 * Signs one user in, trying again after the SDK's backoff when refused or not answered in time (a server
 * swamped by presence frames closes connections that wait too long for their hello); null past `deadline`.
 */
async function connectUntil(url: string, account: Account, counter: PresenceCounter, deadline: number): Promise<BenchConnection | null> {
  for (let attempt = 2; performance.now() < deadline; attempt++) {
    try {
      return await connect(url, account, counter);
    } catch {
      await sleep(Math.min(backoffDelay(attempt), Math.max(0, deadline - performance.now())));
    }
  }
  return null;
}

type UserConns = (BenchConnection | null)[];

/** Signs every user in (at most `parallel` at a time, or all at once); how many made it, and when the last did. */
async function signIn(url: string, users: readonly Account[], conns: UserConns, counter: PresenceCounter, options: { jitter: StormJitter | 'setup'; deadline: number }): Promise<{ back: number; lastAt: number }> {
  let back = 0;
  let lastAt = performance.now();
  const one = async (account: Account, i: number): Promise<void> => {
    if (options.jitter === 'sdk') await sleep(backoffDelay(1));
    conns[i] = await connectUntil(url, account, counter, options.deadline);
    if (conns[i] === null) return;
    back++;
    lastAt = performance.now();
  };
  // The first sign-in comes in at a steady pace (64 at a time); a storm all at once.
  if (options.jitter === 'setup') await mapLimit(users, 64, one);
  else await Promise.all(users.map(one));
  return { back, lastAt };
}

/** One storm: every user's connection is cut at once, then all resume (after the SDK's jitter, or at once). */
async function storm(url: string, users: readonly Account[], conns: UserConns, bystander: BenchConnection, to: string, jitter: StormJitter, counter: PresenceCounter, timeoutSec: number): Promise<StormResult> {
  counter.count = 0;
  for (const conn of conns) conn?.terminate();
  // The server sees the closes (and with the old broadcast, sends its offline frames to those still there).
  await untilQuiet(counter, 1_000, 30_000);
  const sender = new Bystander(bystander, to);
  const started = performance.now();
  const deadline = started + timeoutSec * 1_000;
  const { back, lastAt } = await signIn(url, users, conns, counter, { jitter, deadline });
  await untilQuiet(counter, 1_000, Math.max(0, deadline - performance.now()));
  const latency = await sender.stop();
  const cutOff = conns.filter((c) => c?.closeCode === 4000).length;
  return { jitter, allBackSec: back === users.length ? (lastAt - started) / 1_000 : null, back, presenceFrames: counter.count, cutOff, bystander: latency };
}

export async function runStorm(options: StormOptions, log: (line: string) => void, onServerPid: (pid: number | null) => void = () => {}): Promise<StormReport> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-storm-'));
  let server: OwnServer | null = null;
  const bystanders: BenchConnection[] = [];
  const userConns: UserConns = [];
  try {
    log(`seeding ${options.users} users with ${options.conversations} conversations each…`);
    const { accounts, pairs } = await seedAccounts(dataDir, options);
    server = await startServer({ core: null, dataDir, cpuProfDir: null, extraArgs: [], root: options.serverRoot, startTimeoutMs: 60_000 });
    onServerPid(server.pid);
    const counter = new PresenceCounter();
    const users = accounts.slice(0, options.users);
    const [byA, byB] = [accounts[options.users]!, accounts[options.users + 1]!];
    const bystander = await connect(server.url, byA, counter);
    bystanders.push(bystander, await connect(server.url, byB, counter));
    const quiet = await new Bystander(bystander, byB.username).stopAfter(2_000);
    log(`signing ${users.length} users in…`);
    const setupStarted = performance.now();
    const setup = await signIn(server.url, users, userConns, counter, { jitter: 'setup', deadline: setupStarted + options.timeoutSec * 1_000 });
    await untilQuiet(counter, 1_000, options.timeoutSec * 1_000);
    const setupSec = (setup.lastAt - setupStarted) / 1_000;
    const setupPresenceFrames = counter.count;
    const storms: StormResult[] = [];
    for (const jitter of options.jitter) {
      log(`storm: ${users.length} users reconnect (${jitter === 'sdk' ? "the SDK's jitter" : 'all at once'})…`);
      storms.push(await storm(server.url, users, userConns, bystander, byB.username, jitter, counter, options.timeoutSec));
    }
    return { users: options.users, conversations: pairs, contactsPerUser: (2 * pairs) / options.users, setupSignedIn: setup.back, setupPresenceFrames, setupSec, quiet, storms };
  } finally {
    for (const conn of [...bystanders, ...userConns]) conn?.terminate();
    await server?.stop();
    onServerPid(null);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const ms = (v: number): string => (Number.isFinite(v) ? v.toFixed(1) : '–');

export function formatStorm(report: StormReport): string {
  const lines = [
    `reconnect storm: ${report.users} users, ${report.conversations} conversations (${report.contactsPerUser.toFixed(1)} contacts per user)`,
    `first sign-in, 64 at a time: ${report.setupSignedIn} of ${report.users} in ${report.setupSec.toFixed(1)} s, ${report.setupPresenceFrames} presence frames`,
    `bystander send→ack on a quiet server: p50 ${ms(report.quiet.p50)} ms, p99 ${ms(report.quiet.p99)} ms (${report.quiet.count} sends)`,
    '',
    '| reconnect | all back after | back | presence frames | cut off (4000) | bystander p50 | p99 | max | sends |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const s of report.storms) {
    lines.push(
      `| ${s.jitter === 'sdk' ? 'SDK jitter (250-500 ms)' : 'all at once'} | ${s.allBackSec === null ? 'not all' : `${s.allBackSec.toFixed(2)} s`} | ${s.back} | ${s.presenceFrames} | ${s.cutOff} | ${ms(s.bystander.p50)} ms | ${ms(s.bystander.p99)} ms | ${ms(s.bystander.max)} ms | ${s.bystander.count} |`,
    );
  }
  return lines.join('\n');
}

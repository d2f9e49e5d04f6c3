// Command-line options of `npm run bench`: parsing, defaults and the bounds that keep every run finite.
import { parseArgs } from 'node:util';

export type LoadMode = { kind: 'closed'; window: number } | { kind: 'open'; rate: number };

/**
 * How the generator's users behave on the wire. 'independent': each user is an ordinary `ws` client (random
 * masks, JSON.stringify per frame, JSON.parse per frame received, one socket write per frame), as
 * browsers and the terminal client are. 'batched': frames pre-serialised, zero masks, every socket
 * written to in a turn corked and written once, acks and messages read without JSON.parse.
 */
export type ClientStyle = 'independent' | 'batched';

export interface BenchOptions {
  users: number;
  /** Accounts registered before the run; the first `users` send, the rest hold idle and login-wave connections. */
  accounts: number;
  clients: ClientStyle;
  mode: LoadMode;
  /** Exactly one of messages / durationSec bounds the load phase. */
  messages: number | null;
  durationSec: number | null;
  size: number;
  /** A running server (ws://127.0.0.1:P/ws); null starts our own. */
  url: string | null;
  /** The pid of a server given by --url, to read its CPU and RSS from /proc. */
  serverPid: number | null;
  idle: number;
  /** Connections opened by password login (argon2id each) before anything else, kept open: memory after a login wave. */
  loginWave: number;
  json: boolean;
  pin: boolean;
  serverCpu: number;
  generatorCpu: number;
  registerConcurrency: number;
  /** Password logins to time after registering (each one argon2id verification). */
  logins: number;
  drainSec: number;
  seed: number;
  /** Each user sends to this many contacts (ring neighbours) only; 0: to anyone, uniformly (the default). */
  contacts: number;
  progress: boolean;
  cpuProf: string | null;
  serverArgs: string[];
  /** Keep the server's data folder (and the token cache) here instead of a temporary one. */
  data: string | null;
  /** Own server: the calibration prototype (bench/bare-server.ts) instead of Parley. */
  bare: boolean;
  /** Run Parley and the prototype alternately this many times each and report medians and ratios; 0 = off. */
  compareRounds: number;
  /** The group benchmark (`--group N`) instead of the 1:1 one; null for the 1:1 one. */
  group: GroupOptions | null;
  /** Own Parley servers on one store: more than 1 needs `database` (and then `redis`); users go to them round-robin. */
  nodes: number;
  /** --database: a PostgreSQL server (loopback) on which the run makes a fresh database of its own, dropped afterwards; null: SQLite. */
  database: string | null;
  /** --redis: the Redis (loopback) through which the nodes reach each other; the default one when --nodes > 1. */
  redis: string | null;
}

/** `--group N`: an N-member group at `mode.rate` messages/s sent by `senders` members, then the fan-out rows. */
export interface GroupOptions {
  members: number;
  senders: number;
  /** More group sizes, each at min(rate, the main row's pushes/s ÷ (size − 1)): the fan-out scaling rows. */
  fanout: number[];
  /** Messages of the 1:1 W=8 run among the first --users connections on the same server first (0: none). */
  baselineMessages: number;
  /** Every connection the run opens: the largest group, or --users if more. */
  connections: number;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Hard caps: a typo must not start an unbounded run. */
export const BOUNDS = {
  users: 2_000,
  accounts: 20_000,
  window: 1_024,
  rate: 1_000_000,
  messages: 50_000_000,
  durationSec: 600,
  size: 16_000,
  idle: 15_000,
  drainSec: 120,
  /** MAX_GROUP_MEMBERS (src/shared/crypto/membership.ts). */
  groupMembers: 1_000,
  /** Server processes of one run, on a 2-core machine already more than it can give a core each. */
  nodes: 8,
} as const;

export const DEFAULT_REDIS = 'redis://127.0.0.1:6379';

export const USAGE = `Usage: npm run bench -- [options]

Load:
  --users N             logged-in users exchanging 1:1 messages (default 100)
  --accounts N          accounts registered before the run (default max(1000, users + 100)); the
                        users beyond --users hold the idle and login-wave connections
  --clients STYLE       independent (default): one ordinary ws client per user, random masks,
                        JSON.stringify/JSON.parse per frame, one socket write per frame, as real
                        clients do; batched: the older generator (pre-serialised frames, zero masks,
                        one write per socket per turn, acks read without JSON.parse)
  --window W            closed loop: at most W unacknowledged messages per user (default 8)
  --rate R              open loop: R messages per second in total (instead of --window)
  --messages M          stop after M messages (default 100000 unless --duration)
  --duration S          stop sending after S seconds
  --size B              body size in bytes (default 100)
  --contacts K          each user writes to K contacts only (its ring neighbours, K < --users), so
                        conversations talk in turn as real ones do (default: to anyone, uniformly, the
                        worst case for anything kept per conversation)
Server:
  --url ws://127.0.0.1:P/ws   use a running server (loopback only) instead of starting one; start it
                        with --allow-unencrypted (the bench's users have no end-to-end keys)
  --server-pid PID      with --url: read that server's CPU and RSS
  --data DIR            own server: keep its data folder (and registered users) in DIR
  --server-arg ARG      extra argument for the own server's command line (repeatable)
  --cpu-prof DIR        own server: write a V8 CPU profile into DIR
  --bare                own server: the calibration prototype (bench/bare-server.ts) instead of Parley
  --compare             run Parley and the prototype alternately and report medians and
                        Parley ÷ prototype ratios: figures that hold on a noisy machine
  --rounds N            with --compare: runs of each (default 3)
Several nodes (the 1:1 benchmark on PostgreSQL, as \`parley server --database … --redis …\` runs):
  --database URL        postgres://…@127.0.0.1/DB (loopback only): the run makes a fresh database
                        parley_bench_<random> on that server (from the account template, by
                        \`parley migrate\`), runs its servers on it and drops it afterwards
  --nodes N             N server processes (1..8) on that database, each on its own port, sharing the
                        server core; user i connects to node i mod N, so most messages cross nodes
                        (default 1; more than 1 needs --database)
  --redis URL           redis://127.0.0.1:P (loopback only) for the nodes (default ${DEFAULT_REDIS}
                        when --nodes > 1; with one node only if given)
Groups (the group benchmark instead of the 1:1 one; an open loop):
  --group N             an N-member group (2..1000), messages at --rate (default 1000) msg/s for
                        --duration (default 20) s; delivered = pushes to members, latency = send →
                        the LAST member's push; then the rows of --fanout
  --senders S           members that send, in turn (default 10)
  --fanout LIST         more group sizes, comma-separated (default 10,100,1000; "none": no rows), each
                        at the main row's pushes per second (--rate capped): 1000 members get fewer msg/s
  --baseline M          first M messages 1:1 at W=8 among --users users on the same server (default
                        50000; 0: none), for comparison
Memory:
  --idle N              also hold N idle logged-in connections and report RSS per connection
  --login-wave K        first log K connections in by password (argon2id each) and keep them open:
                        server RSS per connection after a login wave
Measurement:
  --no-pin              do not pin server and generator to different cores
  --server-cpu C        core for the own server (default 0)
  --generator-cpu C     core for the generator (default 1)
  --register-concurrency C   parallel registrations (argon2id) (default 4)
  --logins K            time K password logins (default 0)
  --drain S             seconds to wait for outstanding deliveries (default 10)
  --seed N              seed of the recipient choice (default 1)
  --json                machine-readable report on stdout
  --no-progress         no progress line
`;

function int(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new UsageError(`--${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new UsageError(`--${name} must be between ${min} and ${max}`);
  return value;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Only loopback URLs: the benchmark must never load someone else's machine. */
export function checkLoopbackUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--url is not a URL: "${raw}"`);
  }
  if (url.protocol !== 'ws:') throw new UsageError('--url must start with ws://');
  if (!LOOPBACK_HOSTS.has(url.hostname)) throw new UsageError('--url must point at 127.0.0.1 (loopback only)');
  if (url.pathname === '/') url.pathname = '/ws';
  return url.toString();
}

export function parseBenchArgs(argv: readonly string[]): BenchOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        users: { type: 'string' },
        accounts: { type: 'string' },
        clients: { type: 'string' },
        window: { type: 'string' },
        rate: { type: 'string' },
        messages: { type: 'string' },
        duration: { type: 'string' },
        size: { type: 'string' },
        contacts: { type: 'string' },
        url: { type: 'string' },
        'server-pid': { type: 'string' },
        data: { type: 'string' },
        'server-arg': { type: 'string', multiple: true },
        'cpu-prof': { type: 'string' },
        idle: { type: 'string' },
        'login-wave': { type: 'string' },
        'no-pin': { type: 'boolean' },
        'server-cpu': { type: 'string' },
        'generator-cpu': { type: 'string' },
        'register-concurrency': { type: 'string' },
        logins: { type: 'string' },
        drain: { type: 'string' },
        seed: { type: 'string' },
        json: { type: 'boolean' },
        bare: { type: 'boolean' },
        compare: { type: 'boolean' },
        rounds: { type: 'string' },
        'no-progress': { type: 'boolean' },
        group: { type: 'string' },
        senders: { type: 'string' },
        fanout: { type: 'string' },
        baseline: { type: 'string' },
        nodes: { type: 'string' },
        database: { type: 'string' },
        redis: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values;
  if (v.help) return 'help';

  const users = int('users', v.users, 100, 2, BOUNDS.users);
  const grouped = v.group !== undefined;
  if (v.window !== undefined && v.rate !== undefined) throw new UsageError('give either --window or --rate, not both');
  if (grouped && v.window !== undefined) throw new UsageError('the group benchmark is an open loop: give --rate, not --window');
  const mode: LoadMode =
    v.rate !== undefined || grouped
      ? { kind: 'open', rate: int('rate', v.rate, 1_000, 1, BOUNDS.rate) }
      : { kind: 'closed', window: int('window', v.window, 8, 1, BOUNDS.window) };

  if (v.messages !== undefined && v.duration !== undefined) throw new UsageError('give either --messages or --duration, not both');
  const durationSec = v.duration === undefined ? (grouped && v.messages === undefined ? 20 : null) : int('duration', v.duration, 0, 1, BOUNDS.durationSec);
  const messages = durationSec === null ? int('messages', v.messages, 100_000, 1, BOUNDS.messages) : null;
  const group = grouped ? parseGroup(v, users) : null;
  if (!grouped && (v.senders !== undefined || v.fanout !== undefined || v.baseline !== undefined)) throw new UsageError('--senders, --fanout and --baseline go with --group');
  if (grouped && (v.compare || v.bare || v.idle !== undefined || v['login-wave'] !== undefined)) {
    throw new UsageError('--group runs Parley alone: no --compare, --bare, --idle or --login-wave');
  }

  const url = v.url === undefined ? null : checkLoopbackUrl(v.url);
  const serverPid = v['server-pid'] === undefined ? null : int('server-pid', v['server-pid'], 0, 1, 2 ** 22);
  if (serverPid !== null && url === null) throw new UsageError('--server-pid only makes sense with --url');
  if (url !== null && (v.data !== undefined || v['cpu-prof'] !== undefined || v['server-arg'] !== undefined)) {
    throw new UsageError('--data, --cpu-prof and --server-arg apply to the own server, not to --url');
  }

  const bare = v.bare === true;
  const compareRounds = v.compare ? int('rounds', v.rounds, 3, 1, 20) : 0;
  if (v.rounds !== undefined && !v.compare) throw new UsageError('--rounds goes with --compare');
  if ((bare || compareRounds > 0) && (url !== null || v.data !== undefined || v['server-arg'] !== undefined)) {
    throw new UsageError('--bare and --compare start their own servers: no --url, --data or --server-arg');
  }
  if (bare && compareRounds > 0) throw new UsageError('--compare runs the prototype itself: leave out --bare');

  const idle = int('idle', v.idle, 0, 0, BOUNDS.idle);
  const loginWave = int('login-wave', v['login-wave'], 0, 0, BOUNDS.idle);
  const connections = group?.connections ?? users;
  const accounts = int('accounts', v.accounts, Math.max(1_000, connections + 100), 2, BOUNDS.accounts);
  if (accounts < connections) throw new UsageError(group === null ? '--accounts must be at least --users' : '--accounts must be at least the largest group and --users');
  if ((idle > 0 || loginWave > 0) && accounts === users) throw new UsageError('--idle and --login-wave need accounts beyond --users (raise --accounts)');
  if (v.clients !== undefined && v.clients !== 'independent' && v.clients !== 'batched') throw new UsageError(`--clients must be independent or batched, got "${v.clients}"`);
  const clients: ClientStyle = v.clients === 'batched' ? 'batched' : 'independent';
  const serverCpu = int('server-cpu', v['server-cpu'], 0, 0, 1023);
  const generatorCpu = int('generator-cpu', v['generator-cpu'], 1, 0, 1023);
  const pin = !v['no-pin'];
  if (pin && serverCpu === generatorCpu) throw new UsageError('--server-cpu and --generator-cpu must differ');
  const cluster = parseCluster(v, url !== null || v.data !== undefined || bare || compareRounds > 0 || grouped);

  return {
    users,
    accounts,
    clients,
    mode,
    messages,
    durationSec,
    size: int('size', v.size, 100, 1, BOUNDS.size),
    url,
    serverPid,
    idle,
    loginWave,
    json: v.json === true,
    pin,
    serverCpu,
    generatorCpu,
    registerConcurrency: int('register-concurrency', v['register-concurrency'], 4, 1, 64),
    logins: int('logins', v.logins, 0, 0, BOUNDS.users),
    drainSec: int('drain', v.drain, 10, 1, BOUNDS.drainSec),
    seed: int('seed', v.seed, 1, 0, 2 ** 31),
    contacts: parseContacts(v.contacts, users, grouped),
    progress: !v['no-progress'],
    cpuProf: v['cpu-prof'] ?? null,
    serverArgs: v['server-arg'] ?? [],
    data: v.data ?? null,
    bare,
    compareRounds,
    group,
    ...cluster,
  };
}

function parseContacts(raw: string | undefined, users: number, grouped: boolean): number {
  if (raw === undefined) return 0;
  if (grouped) throw new UsageError('--contacts shapes the 1:1 benchmark, not --group');
  return int('contacts', raw, 0, 1, users - 1);
}

/** The hosts a --database or --redis URL may name: the benchmark sends traffic to this machine only. */
function checkLoopbackService(name: string, raw: string, protocols: readonly string[]): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--${name} is not a URL: "${raw}"`);
  }
  if (!protocols.includes(url.protocol)) throw new UsageError(`--${name} must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  if (!LOOPBACK_HOSTS.has(url.hostname)) throw new UsageError(`--${name} must point at 127.0.0.1 (loopback only)`);
  return raw;
}

/** --nodes, --database, --redis: several own Parley servers need a shared PostgreSQL store and, to reach each other, Redis. */
function parseCluster(v: Record<string, string | boolean | string[] | undefined>, elsewhere: boolean): Pick<BenchOptions, 'nodes' | 'database' | 'redis'> {
  const str = (name: string): string | undefined => v[name] as string | undefined;
  const nodes = int('nodes', str('nodes'), 1, 1, BOUNDS.nodes);
  const given = str('database') !== undefined || str('redis') !== undefined || str('nodes') !== undefined;
  if (given && elsewhere) throw new UsageError('--nodes, --database and --redis start Parley servers of their own for the 1:1 benchmark: no --url, --data, --bare, --compare or --group');
  const database = str('database') === undefined ? null : checkLoopbackService('database', str('database')!, ['postgres:', 'postgresql:']);
  if (database === null && (nodes > 1 || str('redis') !== undefined)) throw new UsageError('--nodes above 1 and --redis need --database (several nodes share a PostgreSQL store)');
  const redisRaw = str('redis') ?? (nodes > 1 ? DEFAULT_REDIS : undefined);
  const redis = redisRaw === undefined ? null : checkLoopbackService('redis', redisRaw, ['redis:']);
  return { nodes, database, redis };
}

/** The options of `--group`: sizes within 2..1000, the senders among the members, the fan-out rows. */
function parseGroup(v: Record<string, string | boolean | string[] | undefined>, users: number): GroupOptions {
  const str = (name: string): string | undefined => v[name] as string | undefined;
  const members = int('group', str('group'), 0, 2, BOUNDS.groupMembers);
  const senders = int('senders', str('senders'), Math.min(10, members), 1, members);
  const fanoutText = str('fanout') ?? '10,100,1000';
  const fanout =
    fanoutText === 'none'
      ? []
      : [...new Set(fanoutText.split(',').map((size) => int('fanout', size.trim(), 0, 2, BOUNDS.groupMembers)))].sort((a, b) => a - b);
  const baselineMessages = int('baseline', str('baseline'), 50_000, 0, BOUNDS.messages);
  return { members, senders, fanout, baselineMessages, connections: Math.max(members, users, ...fanout) };
}

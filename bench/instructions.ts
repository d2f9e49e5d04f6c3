// Instructions per message on the send path, counted by valgrind's callgrind: a figure that a loaded machine
// does not move, for comparing two trees (or two versions of one change) when wall-clock runs are noise.
//
// A built server (ROOT/dist/cli.js, `npm run build` or `tsc -p tsconfig.build.json`) runs under callgrind; this
// process, not counted, is its U clients. The load goes in lockstep rounds: the server is stopped (SIGSTOP),
// every user writes K sends to random others, the server is continued, and the round ends when every ack and
// push has arrived. So each round is exactly one group commit of U × K messages read in one turn, whatever
// the machine is doing: the same work in every run. Warm-up rounds first (every pair of users gets its
// conversation, the JIT settles), then callgrind's counters are dumped and zeroed, the measured rounds run,
// and dumped again: that second dump is the measured work alone, per thread (the main thread is the figure;
// the checkpoint worker, whose passes follow the wall clock, is shown apart).
//
// Usage: node --import tsx bench/instructions.ts [--root DIR] [--users 100] [--per-user 4] [--warm 40]
//          [--rounds 40] [--out DIR] [--perf-map] [--cache-sim] [--node-flag FLAG]…
//
// --cache-sim also simulates the caches (callgrind's --cache-sim=yes: first-level and last-level misses of
// instruction fetches, reads and writes, per message): instructions alone do not show a tree that executes
// no more of them but waits on memory more often.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AccountBook, ensureAccounts, mapLimit } from './accounts.js';
import { BenchConnection } from './conn.js';
import { XorShift32 } from './rng.js';
import { REPO_ROOT } from './server.js';
import { ALLOCATOR_TUNABLE, NODE_MEMORY_FLAGS } from '../src/server/memory.js';
import { timePrefix } from '../src/shared/client/ids.js';

const { values: opts } = parseArgs({
  options: {
    root: { type: 'string', default: REPO_ROOT },
    users: { type: 'string', default: '100' },
    'per-user': { type: 'string', default: '4' },
    warm: { type: 'string', default: '40' },
    rounds: { type: 'string', default: '40' },
    out: { type: 'string' },
    'perf-map': { type: 'boolean', default: false },
    'cache-sim': { type: 'boolean', default: false },
    'node-flag': { type: 'string', multiple: true, default: [] },
    seed: { type: 'string', default: '13' },
  },
});
const root = resolve(opts.root);
const users = Number(opts.users);
const perUser = Number(opts['per-user']);
const warmRounds = Number(opts.warm);
const rounds = Number(opts.rounds);
const outDir = resolve(opts.out ?? mkdtempSync(join(tmpdir(), 'parley-instructions-out-')));
mkdirSync(outDir, { recursive: true });
if (warmRounds * perUser < users - 1) throw new Error('--warm × --per-user must cover every other user (each pair gets its conversation in the warm-up)');

const cli = join(root, 'dist/cli.js');
if (!existsSync(cli)) throw new Error(`${cli} is missing: build that tree first (tsc -p tsconfig.build.json)`);
const names = Array.from({ length: users }, (_, i) => `i${i}`);

/** The server's flags as bench/server.ts gives them, minus what an older tree does not know. */
function serverFlags(dataDir: string): string[] {
  const options = readFileSync(join(root, 'dist/server/ops-options.js'), 'utf8');
  // Port 0: the system picks a free one, which the server's banner names (no race between runs side by side).
  return [cli, 'server', '--port', '0', '--host', '127.0.0.1', '--data', dataDir, '--log-level', 'warn', '--headers-timeout-ms', '600000',
    '--registrations-per-hour', '0', '--message-rate', '0', '--max-connections-per-address', '0', '--allow-unencrypted',
    // No heartbeat during the run: its pings follow the wall clock, which valgrind stretches.
    '--heartbeat-ms', '3600000',
    ...(options.includes('--requests-per-second') ? ['--requests-per-second', '1000000'] : [])];
}

/**
 * A data folder with the users registered (argon2id, far too slow under valgrind), made once per tree and
 * user count by that tree's own server, run natively; each measured run starts from a copy of it.
 */
async function template(): Promise<string> {
  const dir = join(tmpdir(), `parley-instructions-${createHash('sha1').update(root).digest('hex').slice(0, 10)}-${users}`);
  if (existsSync(join(dir, 'ready'))) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const server = await runServer(dir, false);
  try {
    await ensureAccounts(server.url, names, AccountBook.inDataDir(dir), 4);
  } finally {
    await server.stop();
  }
  writeFileSync(join(dir, 'ready'), '');
  return dir;
}

interface RunningServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** The tree's server on a free port, natively or under callgrind (one output file per thread and dump). */
async function runServer(dataDir: string, counted: boolean): Promise<RunningServer> {
  const node = [process.execPath, ...nodeFlags, ...serverFlags(dataDir)];
  const valgrind = ['valgrind', '--tool=callgrind', '--separate-threads=yes', `--callgrind-out-file=${join(outDir, 'callgrind.%p.out')}`,
    ...(opts['cache-sim'] ? ['--cache-sim=yes'] : [])];
  const [command, ...args] = counted ? [...valgrind, ...node] : node;
  const child = spawn(command!, args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production', GLIBC_TUNABLES: ALLOCATOR_TUNABLE },
  });
  let log = '';
  child.stdout.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  let exited = false;
  const gone = new Promise<void>((done) => child.once('exit', () => ((exited = true), done())));
  const stop = async (): Promise<void> => {
    if (!exited) {
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
      await gone;
      clearTimeout(timer);
    }
    writeFileSync(join(outDir, counted ? 'server-counted.log' : 'server-template.log'), log);
  };
  // Valgrind makes start-up take minutes on a busy machine; the banner names the port once it listens.
  const deadline = performance.now() + 3_600_000;
  let port: string | undefined;
  while ((port = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(log)?.[1]) === undefined) {
    if (exited || performance.now() > deadline) {
      await stop();
      throw new Error(`the server did not start (its log: ${join(outDir, counted ? 'server-counted.log' : 'server-template.log')})`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return { url: `ws://127.0.0.1:${port}/ws`, pid: child.pid!, stop };
}

/**
 * Counts by thread in dump `n`: the main thread, V8's helper threads (compilers, GC), and the checkpoint
 * worker; each an event → count map (Ir: instructions; with --cache-sim also the simulated misses).
 */
interface Counts {
  main: Record<string, number>;
  helpers: Record<string, number>;
  worker: Record<string, number>;
}

function dumpCounts(pid: number, n: number): Counts {
  const prefix = `callgrind.${pid}.out.${n}-`;
  const counts: Counts = { main: {}, helpers: {}, worker: {} };
  for (const file of readdirSync(outDir).filter((f) => f.startsWith(prefix))) {
    const text = readFileSync(join(outDir, file), 'utf8');
    const events = /^events: (.+)$/m.exec(text)?.[1]?.trim().split(/\s+/) ?? ['Ir'];
    const values = /^summary: (.+)$/m.exec(text)?.[1]?.trim().split(/\s+/).map(Number) ?? [];
    const into = file.endsWith('-01') ? counts.main : text.includes('node::worker::Worker::Run') ? counts.worker : counts.helpers;
    events.forEach((event, i) => (into[event] = (into[event] ?? 0) + (values[i] ?? 0)));
  }
  return counts;
}

// V8 sizes its young generation and schedules its collections by measured speed, and compiles and marks on
// helper threads: under valgrind's varying pace each would change the count from run to run. So: one thread,
// semi-spaces fixed at the production cap, a fixed GC schedule, fixed seeds.
const nodeFlags = [...NODE_MEMORY_FLAGS, '--min-semi-space-size=4', '--single-threaded', '--predictable-gc-schedule', '--hash-seed=1', '--random-seed=1', ...(opts['perf-map'] ? ['--perf-basic-prof'] : []), ...opts['node-flag']];
const dataDir = mkdtempSync(join(tmpdir(), 'parley-instructions-data-'));
cpSync(await template(), dataDir, { recursive: true });
const server = await runServer(dataDir, true);
const pid = server.pid;
// A failure anywhere must not leave a stopped server behind.
process.once('uncaughtException', (error) => {
  console.error(error);
  void server.stop().finally(() => process.exit(1));
});

try {
  const url = server.url;
  const book = AccountBook.inDataDir(dataDir);
  // Valgrind makes the server some fifty times slower: generous time limits for the handshakes and sign-ins.
  const conns = await mapLimit(names, 4, async (name) => {
    const conn = await BenchConnection.open(url, null, 'batched', 600_000);
    await conn.request('hello', { versions: [1], client: 'parley-instructions' }, 600_000);
    await conn.request('resume', { token: book.get(name)!.token, device: 'bench' }, 600_000);
    return conn;
  });
  let acks = 0;
  let pushes = 0;
  let roundDone: (() => void) | null = null;
  let expected = 0;
  const OK = Buffer.from('{"type":"ok"');
  const MESSAGE = Buffer.from('{"type":"message"');
  for (const conn of conns) {
    conn.rawSink = (data) => {
      if (data.subarray(0, OK.length).equals(OK)) acks++;
      else if (data.subarray(0, MESSAGE.length).equals(MESSAGE)) pushes++;
      else return false;
      if (acks === expected && pushes === expected && roundDone) roundDone();
      return true;
    };
  }

  const rng = new XorShift32(Number(opts.seed));
  const body = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 '.repeat(2).slice(0, 100);
  // clientMsgIds shaped like the SDK's (a time prefix, so the dedupe index grows at its end) but the same in every run.
  let sent = 0;
  const clientMsgId = (): string => timePrefix(1_800_000_000_000 + Math.floor(sent / 400)) + sent.toString(36).padStart(14, '0');
  const round = async (r: number): Promise<void> => {
    acks = 0;
    pushes = 0;
    expected = users * perUser;
    const done = new Promise<void>((resolveRound) => (roundDone = resolveRound));
    process.kill(pid, 'SIGSTOP');
    for (let u = 0; u < users; u++) {
      for (let j = 0; j < perUser; j++) {
        // The first rounds send to every other user in turn, so every conversation exists before the measured ones.
        const i = r * perUser + j;
        const to = i < users - 1 ? (u + 1 + i) % users : rng.other(users, u);
        conns[u]!.ws.send(`{"id":${1_000 + sent},"type":"send","to":"${names[to]}","clientMsgId":"${clientMsgId()}","body":"${body}"}`);
        sent++;
      }
    }
    // Every frame in the kernel before the server runs again, so it reads the whole round in one turn.
    while (conns.some((c) => c.ws.bufferedAmount > 0)) await new Promise((r2) => setImmediate(r2));
    process.kill(pid, 'SIGCONT');
    await done;
  };
  const started = performance.now();
  for (let r = 0; r < warmRounds; r++) await round(r);
  execFileSync('callgrind_control', ['-d', String(pid)], { stdio: 'ignore' });
  const warmSeconds = (performance.now() - started) / 1000;
  for (let r = warmRounds; r < warmRounds + rounds; r++) await round(r);
  execFileSync('callgrind_control', ['-d', String(pid)], { stdio: 'ignore' });
  const messages = rounds * users * perUser;
  const { main, helpers, worker } = dumpCounts(pid, 2);
  const perMessage = (count: number | undefined): number => Math.round((count ?? 0) / messages);
  // Simulated cache misses per message of the server's process (main thread and V8's helpers): first-level
  // instruction, read and write misses, and the last-level ones (callgrind's event names).
  const misses = opts['cache-sim']
    ? Object.fromEntries(['I1mr', 'D1mr', 'D1mw', 'ILmr', 'DLmr', 'DLmw'].map((event) => [event, perMessage((main[event] ?? 0) + (helpers[event] ?? 0))]))
    : undefined;
  const result = {
    root,
    users,
    perUser,
    warmRounds,
    rounds,
    messages,
    nodeFlags,
    // The figure: what the server's process does per message, the checkpoint worker aside.
    perMessage: perMessage((main.Ir ?? 0) + (helpers.Ir ?? 0)),
    mainPerMessage: perMessage(main.Ir),
    helpersPerMessage: perMessage(helpers.Ir),
    checkpointWorkerPerMessage: perMessage(worker.Ir),
    ...(misses ? { missesPerMessage: misses } : {}),
    warmSeconds: Math.round(warmSeconds),
    measuredSeconds: Math.round((performance.now() - started) / 1000 - warmSeconds),
    outDir,
  };
  console.log(JSON.stringify(result));
  for (const conn of conns) conn.close();
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

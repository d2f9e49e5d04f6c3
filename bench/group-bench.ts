// The group benchmark (`npm run bench -- --group N`): one server, keyed accounts, the members connected once;
// the 1:1 W=8 run for comparison, then each group row: make the group, send at its rate, count the pushes.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchOptions } from './args.js';
import { AccountBook, connectAccount, ensureAccounts, mapLimit } from './accounts.js';
import { pinGenerator, progressPrinter, startOwnRun, stopOwnRun, type BenchHooks, type OwnRun } from './bench.js';
import { WriteBatcher, type BenchConnection } from './conn.js';
import { createGroup, groupChanges } from './group-setup.js';
import { runGroupLoad } from './group-load.js';
import { baselineFailures, groupFailures, planRows, type GroupBenchReport, type GroupRow, type RowPlan, type ServerUse } from './group-report.js';
import { benchIdentity, registrationKeys } from './keys.js';
import { runLoad, type LoadUser } from './load.js';
import { cpuPercent, runQueuePercent, sampleProcess, type ProcSample } from './proc.js';
import { formatProgress, GENERATOR_BOTTLENECK_PERCENT, reportHeader } from './report.js';
import { accountNames, TEMPLATE_PREFIX } from './template.js';

const SETTLE_MS = 1_000;
const CONNECT_CONCURRENCY = 64;

/** Server CPU and memory between samples taken at the start, when sending stopped, and after the last push. */
function serverUse(start: ProcSample | null, sendingDone: ProcSample | null, end: ProcSample | null, before: ProcSample | null, messages: number, pushes: number): ServerUse {
  const cpuSec = start !== null && end !== null ? end.cpuSec - start.cpuSec : null;
  return {
    cpuPercent: start !== null && sendingDone !== null ? cpuPercent(start, sendingDone) : null,
    runQueuePercent: start !== null && sendingDone !== null ? runQueuePercent(start, sendingDone) : null,
    cpuUsPerMessage: cpuSec !== null && messages > 0 ? (cpuSec * 1e6) / messages : null,
    cpuUsPerPush: cpuSec !== null && pushes > 0 ? (cpuSec * 1e6) / pushes : null,
    rssBeforeBytes: before?.rssBytes ?? null,
    rssAfterBytes: end?.rssBytes ?? null,
  };
}

export async function runGroupBench(options: BenchOptions, hooks: BenchHooks = {}): Promise<GroupBenchReport> {
  const group = options.group;
  if (group === null) throw new Error('runGroupBench needs --group');
  if (options.mode.kind !== 'open') throw new Error('the group benchmark is an open loop');
  const rate = options.mode.rate;
  const log = hooks.log ?? (() => {});
  const warnings: string[] = [];
  const pinning = pinGenerator(options, warnings);
  let ownRun: OwnRun | null = null;
  const connections: BenchConnection[] = [];
  try {
    ownRun = options.url === null ? await startOwnRun(options, pinning, true, hooks, warnings) : null;
    const own = ownRun?.servers[0] ?? null;
    const dataDir = ownRun?.dataDir ?? null;
    const url = options.url ?? own!.url;
    const pid = own?.pid ?? options.serverPid;
    const sample = (): ProcSample | null => (pid === null ? null : sampleProcess(pid));
    const book = AccountBook.inDataDir(dataDir);
    const prefix = dataDir !== null ? TEMPLATE_PREFIX : randomBytes(4).toString('hex');
    log(`registering ${options.accounts} accounts with keys (the ones registered before are reused)…`);
    const reg = await ensureAccounts(url, accountNames(prefix, options.accounts), book, options.registerConcurrency, options.clients, registrationKeys);

    log(`connecting ${group.connections} users…`);
    const batcher = options.clients === 'batched' ? new WriteBatcher() : null;
    const connectStarted = performance.now();
    const users: LoadUser[] = await mapLimit(reg.accounts.slice(0, group.connections), CONNECT_CONCURRENCY, async (account) => {
      const conn = await connectAccount(url, account, book, batcher, options.clients);
      connections.push(conn);
      return { username: account.username, conn };
    });
    const connectSeconds = (performance.now() - connectStarted) / 1000;
    book.save();
    await sleep(SETTLE_MS);
    const progress = progressPrinter(options.progress);

    let baseline: GroupBenchReport['baseline'] = null;
    if (group.baselineMessages > 0) {
      log(`1:1 at W=8 among ${options.users} users…`);
      const at: { start: ProcSample | null; end: ProcSample | null } = { start: null, end: null };
      const before = sample();
      const load = await runLoad(
        users.slice(0, options.users),
        { mode: { kind: 'closed', window: 8 }, messages: group.baselineMessages, durationSec: null, size: options.size, seed: options.seed, contacts: 0, drainSec: options.drainSec, runId: randomBytes(3).toString('hex'), clients: options.clients },
        { onStart: () => (at.start = sample()), onSendingDone: () => (at.end = sample()), onProgress: (p) => progress(formatProgress(p)) },
      );
      progress.end();
      baseline = { load, server: serverUse(at.start, at.end, sample(), before, load.totals.delivered, load.totals.delivered), failures: baselineFailures(load) };
      await sleep(SETTLE_MS);
    }

    const rows: GroupRow[] = [];
    for (const plan of planRows(group.members, rate, group.fanout)) rows.push(await groupRow(plan, users, options, sample, progress, log));
    const failures = [...(baseline?.failures.map((f) => `1:1: ${f}`) ?? []), ...rows.flatMap((r) => r.failures.map((f) => `${r.members} members: ${f}`))];
    for (const r of rows) {
      if (r.load.generatorCpuPercent >= GENERATOR_BOTTLENECK_PERCENT) warnings.push(`${r.members} members: the generator used ${r.load.generatorCpuPercent.toFixed(0)}% of its core; the figures are bounds`);
    }
    return {
      ...reportHeader(failures, warnings, pinning, options),
      server: { own: own !== null, pid },
      connect: { count: users.length, seconds: connectSeconds },
      baseline,
      rows,
    };
  } finally {
    for (const c of connections) c.terminate();
    await stopOwnRun(ownRun, hooks);
  }
}

/** Makes a group of the first `plan.members` users (the first owns it) and sends to it at `plan.rate`. */
async function groupRow(
  plan: RowPlan,
  users: readonly LoadUser[],
  options: BenchOptions,
  sample: () => ProcSample | null,
  progress: ReturnType<typeof progressPrinter>,
  log: (line: string) => void,
): Promise<GroupRow> {
  const members = users.slice(0, plan.members);
  const names = members.map((m) => m.username);
  log(`making a group of ${plan.members}…`);
  const setupStarted = performance.now();
  const changes = groupChanges({ members: names, owner: benchIdentity(names[0]!), name: `bench ${plan.members}` });
  const conversationId = await createGroup(members[0]!.conn, changes);
  const setupSeconds = (performance.now() - setupStarted) / 1000;
  // The membership events of the new group reach every member before the first message is timed.
  await sleep(SETTLE_MS);
  log(`sending to the group of ${plan.members} at ${plan.rate} msg/s…`);
  const senders = Math.min(options.group!.senders, plan.members);
  const at: { start: ProcSample | null; end: ProcSample | null } = { start: null, end: null };
  const before = sample();
  const load = await runGroupLoad(
    members,
    {
      conversationId,
      senders,
      rate: plan.rate,
      messages: options.messages,
      durationSec: options.durationSec,
      size: options.size,
      drainSec: options.drainSec,
      runId: randomBytes(3).toString('hex'),
      clients: options.clients,
    },
    { onStart: () => (at.start = sample()), onSendingDone: () => (at.end = sample()), onProgress: (p) => progress(formatProgress(p)) },
  );
  progress.end();
  const server = serverUse(at.start, at.end, sample(), before, load.totals.complete, load.totals.pushes);
  await sleep(SETTLE_MS);
  return { ...plan, senders, conversationId, setupSeconds, load, server, failures: groupFailures(load) };
}

// The load phase of a group run: an open loop of sends to one group from several of its members, pushes to
// every member counted, and each message timed from its send to the last member's push.
import type { ServerFrame } from '../src/shared/protocol.js';
import type { ClientStyle } from './args.js';
import { SETUP_ID_LIMIT } from './conn.js';
import { FanoutLedger, type FanoutLatency, type FanoutTotals } from './fanout-ledger.js';
import { makeBody, RunIds, type LoadUser, type Progress } from './load.js';
import { scanFrame, type ScannedFrame } from './scan.js';

export interface GroupLoadConfig {
  conversationId: number;
  /** Members 0..senders-1 send, in turn. */
  senders: number;
  rate: number;
  messages: number | null;
  durationSec: number | null;
  size: number;
  drainSec: number;
  runId: string;
  clients: ClientStyle;
}

export interface GroupLoadResult {
  totals: FanoutTotals;
  latencyMs: FanoutLatency;
  /** First send to the last push. */
  seconds: number;
  sendSeconds: number;
  /** Messages sent per second while sending (the offered rate). */
  offeredRate: number;
  /** Messages every member had, per second of `seconds`. */
  messagesPerSecond: number;
  /** Pushes to members per second of `seconds`: the delivered rate. */
  pushesPerSecond: number;
  errors: Record<string, number>;
  ackMismatches: number;
  /** Pushes of another conversation's messages (none expected). */
  strayPushes: number;
  otherEvents: number;
  closedConnections: number;
  drainTimedOut: boolean;
  fellBehind: boolean;
  generatorCpuPercent: number;
  generatorSystemPercent: number;
}

interface GroupLoadHooks {
  onStart?: () => void;
  onSendingDone?: () => void;
  onProgress?: (p: Progress) => void;
}

/** The members' connections are 0..members.length-1, in the group's member order; none other is watched. */
export function runGroupLoad(members: readonly LoadUser[], cfg: GroupLoadConfig, hooks: GroupLoadHooks = {}): Promise<GroupLoadResult> {
  const n = members.length;
  const expectedMessages = cfg.messages ?? Math.ceil(cfg.rate * (cfg.durationSec ?? 1));
  const ledger = new FanoutLedger(n, Math.min(expectedMessages + 16, 1 << 20));
  const body = makeBody(cfg.size);
  const ids = new RunIds(cfg.runId);
  const memberOf = new Map(members.map((m, i) => [m.username, i]));
  const independent = cfg.clients === 'independent';
  // Batched clients: the frame from two pre-serialised pieces around the request id and the clientMsgId.
  const middle = `,"type":"send","conversationId":${cfg.conversationId},"clientMsgId":"`;
  const suffix = `","body":${JSON.stringify(body)}}`;
  const errors: Record<string, number> = {};
  let ackMismatches = 0;
  let strayPushes = 0;
  let otherEvents = 0;
  let closedConnections = 0;
  let sending = true;
  let fellBehind = false;
  let budget = cfg.messages ?? Number.POSITIVE_INFINITY;
  let firstSendAt = 0;
  let sendingDoneAt = 0;
  let lastPushAt = 0;
  let cpuBefore = process.cpuUsage();
  let cpuWhileSending: NodeJS.CpuUsage | null = null;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));
  let markStopped: () => void = () => {};
  const stoppedSending = new Promise<void>((resolve) => (markStopped = resolve));

  const sendOne = (sender: number): void => {
    const g = ledger.send(sender, performance.now());
    const clientMsgId = ids.make(g);
    members[sender]!.conn.write(
      independent
        ? JSON.stringify({ id: SETUP_ID_LIMIT + g, type: 'send', conversationId: cfg.conversationId, clientMsgId, body })
        : '{"id":' + (SETUP_ID_LIMIT + g) + middle + clientMsgId + suffix,
    );
  };
  const settled = (): boolean => ledger.acked + ledger.rejected === ledger.sent && ledger.incomplete === 0;
  const checkDone = (): void => {
    if (!sending && settled()) finish();
  };
  const stopSending = (): void => {
    if (!sending) return;
    sending = false;
    sendingDoneAt = performance.now();
    cpuWhileSending = process.cpuUsage(cpuBefore);
    hooks.onSendingDone?.();
    markStopped();
    checkDone();
  };

  const onAck = (g: number, ackedId: unknown): void => {
    if (ledger.ack(g, performance.now()) < 0) return;
    if (typeof ackedId !== 'string' || ids.seqOf(ackedId) !== g) ackMismatches++;
    if (!sending) checkDone();
  };
  const onPush = (me: number, from: string, clientMsgId: string, conversationId: number | null): void => {
    if (conversationId !== null && conversationId !== cfg.conversationId) {
      strayPushes++;
      return;
    }
    const g = ids.seqOf(clientMsgId);
    // A push naming another sender than the one that sent message g is a message this run did not send.
    const sender = memberOf.get(from);
    const now = performance.now();
    if (ledger.deliver(sender === undefined || sender !== ledger.senderOf(g) ? -1 : g, me, now) >= 0) lastPushAt = now;
    if (!sending) checkDone();
  };
  const scanned: ScannedFrame = { id: 0, from: '', clientMsgId: '' };
  const rawSinkFor =
    (me: number) =>
    (data: Buffer): boolean => {
      const kind = scanFrame(data, scanned);
      if (kind === 'ack') onAck(scanned.id - SETUP_ID_LIMIT, scanned.clientMsgId);
      else if (kind === 'message') onPush(me, scanned.from, scanned.clientMsgId, null);
      return kind !== null;
    };
  const sinkFor =
    (me: number) =>
    (frame: ServerFrame): void => {
      switch (frame.type) {
        case 'ok':
          onAck(frame.id - SETUP_ID_LIMIT, (frame.result as { clientMsgId?: unknown } | null)?.clientMsgId);
          break;
        case 'error':
          errors[frame.code] = (errors[frame.code] ?? 0) + 1;
          if (frame.id !== null && ledger.reject(frame.id - SETUP_ID_LIMIT) && !sending) checkDone();
          break;
        case 'message':
          onPush(me, frame.message.from, frame.message.clientMsgId, frame.message.conversationId);
          break;
        case 'presence':
        case 'read':
        case 'typing':
        case 'epoch':
        case 'keys':
        case 'vault':
        case 'shutdown':
          otherEvents++;
          break;
        default:
          // Frames of kinds this protocol version does not name yet (membership…): counted too.
          otherEvents++;
      }
    };
  members.forEach((m, i) => {
    m.conn.sink = sinkFor(i);
    m.conn.rawSink = independent ? null : rawSinkFor(i);
    m.conn.ws.on('close', () => closedConnections++);
  });

  let progressTimer: NodeJS.Timeout | null = null;
  if (hooks.onProgress) {
    const report = hooks.onProgress;
    let last = { at: performance.now(), pushes: 0 };
    progressTimer = setInterval(() => {
      const now = performance.now();
      report({
        elapsedSec: (now - firstSendAt) / 1000,
        sent: ledger.sent,
        acked: ledger.acked,
        delivered: ledger.pushes,
        inFlight: ledger.sent - ledger.acked - ledger.rejected,
        recentRate: ((ledger.pushes - last.pushes) * 1000) / Math.max(1, now - last.at),
      });
      last = { at: now, pushes: ledger.pushes };
    }, 1000);
  }

  hooks.onStart?.();
  firstSendAt = performance.now();
  cpuBefore = process.cpuUsage();
  const durationTimer = cfg.durationSec === null ? null : setTimeout(stopSending, cfg.durationSec * 1000);
  // Open loop: every millisecond, send whatever the schedule says is due; stop if the server falls 5 s behind.
  const maxIncomplete = Math.max(1_000, cfg.rate * 5);
  let offered = 0;
  let next = 0;
  let openTimer: NodeJS.Timeout | null = null;
  const tick = (): void => {
    if (!sending) return;
    let due = Math.min(budget, Math.floor(((performance.now() - firstSendAt) * cfg.rate) / 1000) - offered);
    for (; due > 0; due--) {
      sendOne(next);
      next = next + 1 === cfg.senders ? 0 : next + 1;
      offered++;
      budget--;
    }
    if (budget <= 0) return stopSending();
    if (ledger.incomplete > maxIncomplete) {
      fellBehind = true;
      return stopSending();
    }
    openTimer = setTimeout(tick, 1);
  };
  tick();

  let drainTimedOut = false;
  return stoppedSending
    .then(() => {
      checkDone();
      let drainTimer: NodeJS.Timeout | null = null;
      const drained = new Promise<void>((resolve) => {
        drainTimer = setTimeout(() => {
          drainTimedOut = true;
          resolve();
        }, cfg.drainSec * 1000);
      });
      return Promise.race([done, drained]).finally(() => {
        if (drainTimer !== null) clearTimeout(drainTimer);
      });
    })
    .then(() => {
      const end = performance.now();
      const cpu = cpuWhileSending ?? process.cpuUsage(cpuBefore);
      if (progressTimer !== null) clearInterval(progressTimer);
      if (durationTimer !== null) clearTimeout(durationTimer);
      if (openTimer !== null) clearTimeout(openTimer);
      for (const m of members) {
        m.conn.sink = null;
        m.conn.rawSink = null;
      }
      const totals = ledger.totals();
      const seconds = ((lastPushAt || end) - firstSendAt) / 1000;
      const sendMs = Math.max(1, (sendingDoneAt || end) - firstSendAt);
      return {
        totals,
        latencyMs: ledger.latency(),
        seconds,
        sendSeconds: sendMs / 1000,
        offeredRate: (offered * 1000) / sendMs,
        messagesPerSecond: seconds > 0 ? totals.complete / seconds : 0,
        pushesPerSecond: seconds > 0 ? totals.pushes / seconds : 0,
        errors,
        ackMismatches,
        strayPushes,
        otherEvents,
        closedConnections,
        drainTimedOut,
        fellBehind,
        generatorCpuPercent: (100 * (cpu.user + cpu.system)) / 1000 / sendMs,
        generatorSystemPercent: (100 * cpu.system) / 1000 / sendMs,
      };
    });
}

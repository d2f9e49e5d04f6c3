// The load phase of a group run: an open loop of sends to one group from several of its members, pushes to
// every member counted, and each message timed from its send to the last member's push.
import type { ServerFrame } from '../src/shared/protocol.js';
import type { ClientStyle } from './args.js';
import { SETUP_ID_LIMIT } from './conn.js';
import { FanoutLedger, type FanoutLatency, type FanoutTotals } from './fanout-ledger.js';
import { makeBody, RunIds, type LoadUser, type Progress } from './load.js';
import { openLoop, SendPhase, type PhaseHooks, type PhaseOutcome } from './phase.js';
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

export interface GroupLoadResult extends PhaseOutcome {
  totals: FanoutTotals;
  latencyMs: FanoutLatency;
  /** Messages every member had, per second of `seconds`. */
  messagesPerSecond: number;
  /** Pushes to members per second of `seconds` (first send to last push): the delivered rate. */
  pushesPerSecond: number;
  /** Pushes of another conversation's messages (none expected). */
  strayPushes: number;
}

/** The members' connections are 0..members.length-1, in the group's member order; none other is watched. */
export function runGroupLoad(members: readonly LoadUser[], cfg: GroupLoadConfig, hooks: PhaseHooks<Progress> = {}): Promise<GroupLoadResult> {
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
  let lastPushAt = 0;
  const phase = new SendPhase(() => ledger.acked + ledger.rejected === ledger.sent && ledger.incomplete === 0, hooks.onSendingDone);

  const sendOne = (sender: number): void => {
    const g = ledger.send(sender, performance.now());
    const clientMsgId = ids.make(g);
    members[sender]!.conn.write(
      independent
        ? JSON.stringify({ id: SETUP_ID_LIMIT + g, type: 'send', conversationId: cfg.conversationId, clientMsgId, body })
        : '{"id":' + (SETUP_ID_LIMIT + g) + middle + clientMsgId + suffix,
    );
  };
  const onAck = (g: number, ackedId: unknown): void => {
    if (ledger.ack(g, performance.now()) < 0) return;
    if (typeof ackedId !== 'string' || ids.seqOf(ackedId) !== g) ackMismatches++;
    if (!phase.sending) phase.checkDone();
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
    if (!phase.sending) phase.checkDone();
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
          if (frame.id !== null && ledger.reject(frame.id - SETUP_ID_LIMIT) && !phase.sending) phase.checkDone();
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
        case 'membership':
          otherEvents++;
          break;
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
        elapsedSec: (now - phase.firstSendAt) / 1000,
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
  phase.start();
  const durationTimer = cfg.durationSec === null ? null : setTimeout(phase.stop, cfg.durationSec * 1000);
  // Stop if the server falls 5 s behind.
  const maxIncomplete = Math.max(1_000, cfg.rate * 5);
  let next = 0;
  const sendNext = (): void => {
    sendOne(next);
    next = next + 1 === cfg.senders ? 0 : next + 1;
  };
  const open = openLoop(phase, cfg.rate, sendNext, { left: cfg.messages ?? Number.POSITIVE_INFINITY }, () => ledger.incomplete > maxIncomplete);

  return phase.finished(cfg.drainSec).then(() => {
    const end = performance.now();
    if (progressTimer !== null) clearInterval(progressTimer);
    if (durationTimer !== null) clearTimeout(durationTimer);
    open.cancel();
    for (const m of members) {
      m.conn.sink = null;
      m.conn.rawSink = null;
    }
    const totals = ledger.totals();
    const seconds = ((lastPushAt || end) - phase.firstSendAt) / 1000;
    const sendMs = phase.sendMs(end);
    const cpu = phase.generatorCpu(end);
    return {
      totals,
      latencyMs: ledger.latency(),
      seconds,
      sendSeconds: sendMs / 1000,
      offeredRate: (open.offered() * 1000) / sendMs,
      messagesPerSecond: seconds > 0 ? totals.complete / seconds : 0,
      pushesPerSecond: seconds > 0 ? totals.pushes / seconds : 0,
      errors,
      ackMismatches,
      strayPushes,
      otherEvents,
      closedConnections,
      drainTimedOut: phase.drainTimedOut,
      fellBehind: open.fellBehind(),
      generatorCpuPercent: cpu.percent,
      generatorSystemPercent: cpu.systemPercent,
    };
  });
}

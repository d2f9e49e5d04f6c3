// The load phase: closed loop (W unacked per user) or open loop (R msg/s), by independent clients (a JSON
// object per frame, as real clients build them) or batched ones (frames pre-serialised, no per-message objects).
import type { ServerFrame } from '../src/shared/protocol.js';
import { SETUP_ID_LIMIT, type BenchConnection } from './conn.js';
import { Ledger, type LedgerTotals } from './ledger.js';
import type { ClientStyle, LoadMode } from './args.js';
import { timePrefix, TIME_PREFIX_LENGTH } from '../src/shared/client/ids.js';
import { XorShift32 } from './rng.js';
import { scanFrame, type ScannedFrame } from './scan.js';
import { openLoop, SendPhase, type PhaseHooks, type PhaseOutcome } from './phase.js';
import { LatencyRecorder, type LatencySummary } from './stats.js';

export interface LoadUser {
  username: string;
  conn: BenchConnection;
  /** The node (index) the user is connected to, with several own servers; absent with one. */
  node?: number;
}

interface LoadConfig {
  mode: LoadMode;
  messages: number | null;
  durationSec: number | null;
  size: number;
  seed: number;
  /** Each sender's contacts (ring neighbours); 0: anyone. */
  contacts: number;
  drainSec: number;
  /** Prefix of every clientMsgId of this run, so a reused account's old ids never collide. */
  runId: string;
  /**
   * 'independent': every frame is JSON.stringify of an object and every frame received goes through
   * JSON.parse. 'batched': frames are concatenated from pre-serialised pieces, and acks and pushed
   * messages of the usual layout are read without JSON.parse.
   */
  clients: ClientStyle;
}

export interface Progress {
  elapsedSec: number;
  sent: number;
  acked: number;
  delivered: number;
  inFlight: number;
  /** Deliveries per second since the previous progress report. */
  recentRate: number;
}

export interface LoadResult extends PhaseOutcome {
  totals: LedgerTotals;
  latencyMs: LatencySummary;
  throughput: number;
  /** Copies of a user's own messages pushed back to the sending connection. */
  echoes: number;
  /** With users on several nodes: the latency of deliveries whose sender and recipient were on different nodes, and on the same. */
  byPath: { crossNode: LatencySummary; sameNode: LatencySummary } | null;
}

/** Printable ASCII that needs no JSON escaping, so the body can sit in the frame as is. */
export function makeBody(size: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ';
  let body = '';
  for (let i = 0; i < size; i++) body += alphabet[i % alphabet.length];
  return body;
}

/** The frame for message `seq` from the prefix (per recipient) and suffix (per run): one concatenation per message. */
function sendFramePieces(recipients: readonly string[], body: string): { prefixes: string[]; suffix: string } {
  return {
    prefixes: recipients.map((to) => `,"type":"send","to":${JSON.stringify(to)},"clientMsgId":"`),
    suffix: `","body":${JSON.stringify(body)}}`,
  };
}

/**
 * clientMsgIds shaped like the SDK's (src/shared/client/ids.ts): the send time first, so ids made later
 * sort later, then the run id and the sender's message number, which the ledger reads back.
 */
export class RunIds {
  private ms = -1;
  private prefix = '';

  constructor(readonly runId: string) {}

  make(seq: number, now = Date.now()): string {
    if (now !== this.ms) {
      this.ms = now;
      this.prefix = timePrefix(now);
    }
    return this.prefix + this.runId + seq.toString(36);
  }

  /** The message number in an id of this run, or -1. */
  seqOf(clientMsgId: string): number {
    return clientMsgId.startsWith(this.runId, TIME_PREFIX_LENGTH) ? parseInt(clientMsgId.slice(TIME_PREFIX_LENGTH + this.runId.length), 36) : -1;
  }
}

export function runLoad(users: readonly LoadUser[], cfg: LoadConfig, hooks: PhaseHooks<Progress> = {}): Promise<LoadResult> {
  const n = users.length;
  const perSender = cfg.messages !== null ? Math.ceil(cfg.messages / n) + 1 : 4096;
  const ledger = new Ledger(n, perSender);
  const latency = new LatencyRecorder(cfg.messages ?? 1 << 20);
  // Several nodes: each delivery's latency also goes to the cross-node or the same-node recorder.
  const nodeOf = users.map((u) => u.node ?? 0);
  const clustered = nodeOf.some((k) => k !== 0);
  const crossNode = new LatencyRecorder(clustered ? (cfg.messages ?? 1 << 20) : 16);
  const sameNode = new LatencyRecorder(clustered ? (cfg.messages ?? 1 << 20) >> 2 : 16);
  const rng = new XorShift32(cfg.seed);
  const names = users.map((u) => u.username);
  const body = makeBody(cfg.size);
  const { prefixes, suffix } = sendFramePieces(names, body);
  const independent = cfg.clients === 'independent';
  const ids = new RunIds(cfg.runId);
  const senderOf = new Map(users.map((u, i) => [u.username, i]));
  const errors: Record<string, number> = {};
  let ackMismatches = 0;
  let echoes = 0;
  let otherEvents = 0;
  let closedConnections = 0;
  const budget = { left: cfg.messages ?? Number.POSITIVE_INFINITY };
  let lastDeliveryAt = 0;
  const settled = (): boolean => ledger.acked + ledger.rejected === ledger.sent && ledger.delivered >= ledger.acked;
  const phase = new SendPhase(settled, hooks.onSendingDone);

  const sendOne = (sender: number): void => {
    const to = rng.contact(n, sender, cfg.contacts);
    const now = performance.now();
    const seq = ledger.send(sender, to, now);
    users[sender]!.conn.write(
      independent
        ? JSON.stringify({ id: SETUP_ID_LIMIT + seq, type: 'send', to: names[to], clientMsgId: ids.make(seq), body })
        : '{"id":' + (SETUP_ID_LIMIT + seq) + prefixes[to]! + ids.make(seq) + suffix,
    );
  };

  const closedLoop = cfg.mode.kind === 'closed';
  const trySend = (sender: number): void => {
    if (!phase.sending) return;
    budget.left--;
    sendOne(sender);
    if (budget.left <= 0) phase.stop();
  };

  const onAck = (me: number, seq: number, ackedId: unknown): void => {
    if (!ledger.ack(me, seq)) return;
    if (typeof ackedId !== 'string' || ids.seqOf(ackedId) !== seq) ackMismatches++;
    if (phase.sending) {
      if (closedLoop) trySend(me);
    } else phase.checkDone();
  };
  const onDelivery = (me: number, from: string, clientMsgId: string): void => {
    const sender = senderOf.get(from);
    if (sender === me) {
      echoes++;
      return;
    }
    const now = performance.now();
    const seq = sender === undefined ? -1 : ids.seqOf(clientMsgId);
    const result = ledger.deliver(sender ?? -1, seq, me, now);
    // Negative results (unknown, duplicate, misdelivered) are counted by the ledger.
    if (result >= 0) {
      latency.add(result);
      if (clustered) (nodeOf[sender!] === nodeOf[me] ? sameNode : crossNode).add(result);
      lastDeliveryAt = now;
    }
    if (!phase.sending) phase.checkDone();
  };
  const scanned: ScannedFrame = { id: 0, from: '', clientMsgId: '' };
  // The common frames (acks, pushed messages) are read without JSON.parse; the rest takes the sink below.
  const rawSinkFor =
    (me: number) =>
    (data: Buffer): boolean => {
      const kind = scanFrame(data, scanned);
      if (kind === 'ack') onAck(me, scanned.id - SETUP_ID_LIMIT, scanned.clientMsgId);
      else if (kind === 'message') onDelivery(me, scanned.from, scanned.clientMsgId);
      return kind !== null;
    };
  const sinkFor =
    (me: number) =>
    (frame: ServerFrame): void => {
      switch (frame.type) {
        case 'ok':
          onAck(me, frame.id - SETUP_ID_LIMIT, (frame.result as { clientMsgId?: unknown } | null)?.clientMsgId);
          break;
        case 'error': {
          errors[frame.code] = (errors[frame.code] ?? 0) + 1;
          if (frame.id !== null && ledger.reject(me, frame.id - SETUP_ID_LIMIT)) {
            if (phase.sending) {
              if (closedLoop) trySend(me);
            } else phase.checkDone();
          }
          break;
        }
        case 'message':
          onDelivery(me, frame.message.from, frame.message.clientMsgId);
          break;
        case 'presence':
        case 'read':
        case 'typing':
        case 'epoch':
        case 'keys':
        case 'vault':
        case 'membership':
        case 'shutdown':
          otherEvents++;
          break;
      }
    };
  users.forEach((u, i) => {
    u.conn.sink = sinkFor(i);
    if (!independent) u.conn.rawSink = rawSinkFor(i);
    u.conn.ws.on('close', () => {
      closedConnections++;
    });
  });

  let progressTimer: NodeJS.Timeout | null = null;
  let lastProgress = { at: performance.now(), delivered: 0 };
  if (hooks.onProgress) {
    const report = hooks.onProgress;
    progressTimer = setInterval(() => {
      const now = performance.now();
      const delivered = ledger.delivered;
      report({
        elapsedSec: (now - phase.firstSendAt) / 1000,
        sent: ledger.sent,
        acked: ledger.acked,
        delivered,
        inFlight: ledger.sent - ledger.acked - ledger.rejected,
        recentRate: ((delivered - lastProgress.delivered) * 1000) / Math.max(1, now - lastProgress.at),
      });
      lastProgress = { at: now, delivered };
    }, 1000);
  }

  hooks.onStart?.();
  phase.start();
  const durationTimer = cfg.durationSec === null ? null : setTimeout(phase.stop, cfg.durationSec * 1000);
  let open: ReturnType<typeof openLoop> | null = null;
  if (cfg.mode.kind === 'closed') {
    const window = cfg.mode.window;
    for (let k = 0; k < window && phase.sending; k++) for (let i = 0; i < n && phase.sending; i++) trySend(i);
  } else {
    // Stop if the server falls 5 s behind.
    const maxOutstanding = Math.max(10_000, cfg.mode.rate * 5);
    let next = 0;
    const sendNext = (): void => {
      sendOne(next);
      next = next + 1 === n ? 0 : next + 1;
    };
    open = openLoop(phase, cfg.mode.rate, sendNext, budget, () => ledger.sent - ledger.delivered > maxOutstanding);
  }

  return phase.finished(cfg.drainSec).then(() => {
    const end = performance.now();
    if (progressTimer !== null) clearInterval(progressTimer);
    if (durationTimer !== null) clearTimeout(durationTimer);
    open?.cancel();
    for (const u of users) {
      u.conn.sink = null;
      u.conn.rawSink = null;
    }
    const seconds = ((lastDeliveryAt || end) - phase.firstSendAt) / 1000;
    const totals = ledger.totals();
    const sendSeconds = phase.sendMs(end) / 1000;
    const cpu = phase.generatorCpu(end);
    return {
      totals,
      latencyMs: latency.summary(),
      seconds,
      sendSeconds,
      throughput: seconds > 0 ? totals.delivered / seconds : 0,
      errors,
      ackMismatches,
      echoes,
      byPath: clustered ? { crossNode: crossNode.summary(), sameNode: sameNode.summary() } : null,
      otherEvents,
      closedConnections,
      drainTimedOut: phase.drainTimedOut,
      fellBehind: open?.fellBehind() ?? false,
      generatorCpuPercent: cpu.percent,
      generatorSystemPercent: cpu.systemPercent,
      offeredRate: open === null ? 0 : open.offered() / Math.max(1e-9, sendSeconds),
    };
  });
}

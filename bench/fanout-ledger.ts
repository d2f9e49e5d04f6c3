// Per-message bookkeeping of a group run: each message's send time, its ack, which members have had it pushed,
// and the moment the LAST member had it (the group's send → delivery latency).
import { DELIVERY } from './ledger.js';
import { LatencyRecorder, type LatencySummary } from './stats.js';

const ACKED = 1;
const REJECTED = 2;

export interface FanoutTotals {
  /** Messages sent to the group, acknowledged, refused with an error. */
  sent: number;
  acked: number;
  rejected: number;
  /** Sent and not refused, but the ack never came. */
  unacked: number;
  /** Pushes owed: every message not refused, to every member but its sender. */
  pushesExpected: number;
  /** First copies pushed to members (the delivered count). */
  pushes: number;
  /** Owed pushes that never came. */
  pushesLost: number;
  /** Pushes of messages the server refused (it must push nothing it did not store). */
  pushedRejected: number;
  /** Copies beyond the first to the same member. */
  duplicated: number;
  /** Pushes of a message to its own sender's connection (the sending session must not get one). */
  echoes: number;
  /** Pushes to a connection that is not a member. */
  misdelivered: number;
  /** Messages every member but the sender had. */
  complete: number;
  /** Pushes, acks and errors for messages this run never sent, and second acks. */
  unknownPushes: number;
  unknownAcks: number;
  duplicateAcks: number;
}

export interface FanoutLatency {
  /** Send → the push to the last member (one sample per complete message): the group's delivery latency. */
  lastMember: LatencySummary;
  /** Send → the push to the first member. */
  firstMember: LatencySummary;
  /** Send → each push (one sample per push). */
  push: LatencySummary;
  ack: LatencySummary;
}

/**
 * Message numbers are global for the run (0, 1, 2, …, in send order). Each message keeps a bit per member
 * (`ceil(members / 8)` bytes), so a member's second copy is told from another member's first; all state is in
 * typed arrays that double when full, and nothing is allocated per push.
 */
export class FanoutLedger {
  private sentAt = new Float64Array(0);
  private sender = new Int32Array(0);
  private flags = new Uint8Array(0);
  private received = new Int32Array(0);
  private seen = new Uint8Array(0);
  private readonly stride: number;
  private n = 0;
  private readonly lastMember: LatencyRecorder;
  private readonly firstMember: LatencyRecorder;
  private readonly push: LatencyRecorder;
  private readonly ackLatency: LatencyRecorder;
  private t = { acked: 0, rejected: 0, pushes: 0, duplicated: 0, echoes: 0, misdelivered: 0, complete: 0, unknownPushes: 0, unknownAcks: 0, duplicateAcks: 0 };

  /** `members`: connections 0..members-1 are the group; each message is owed to all of them but its sender. */
  constructor(
    readonly members: number,
    capacityHint = 1024,
  ) {
    if (members < 2) throw new RangeError('a group benchmark needs at least 2 members');
    this.stride = Math.ceil(members / 8);
    this.resize(Math.max(16, capacityHint));
    this.lastMember = new LatencyRecorder(capacityHint);
    this.firstMember = new LatencyRecorder(capacityHint);
    this.ackLatency = new LatencyRecorder(capacityHint);
    this.push = new LatencyRecorder(Math.min(capacityHint * (members - 1), 1 << 22));
  }

  get sent(): number {
    return this.n;
  }
  get acked(): number {
    return this.t.acked;
  }
  get rejected(): number {
    return this.t.rejected;
  }
  get pushes(): number {
    return this.t.pushes;
  }
  get complete(): number {
    return this.t.complete;
  }
  /** Messages sent and not refused that some member still lacks. */
  get incomplete(): number {
    return this.n - this.t.rejected - this.t.complete;
  }

  /** Records a message `sender` is about to send; returns its number. */
  send(sender: number, now: number): number {
    if (sender < 0 || sender >= this.members) throw new RangeError(`sender ${sender} is not a member`);
    const g = this.n;
    if (g === this.sentAt.length) this.resize(g * 2);
    this.n = g + 1;
    this.sentAt[g] = now;
    this.sender[g] = sender;
    return g;
  }

  /** The server's ack of message g; returns send → ack in ms, or -1 for an unknown or second answer. */
  ack(g: number, now: number): number {
    if (!this.answer(g, ACKED)) return -1;
    const ms = now - this.sentAt[g]!;
    this.ackLatency.add(ms);
    return ms;
  }

  /** The server refused message g: no push is owed for it. */
  reject(g: number): boolean {
    return this.answer(g, REJECTED);
  }

  /** Which member sent message g, or -1 for a number this run never sent. */
  senderOf(g: number): number {
    return g >= 0 && g < this.n ? this.sender[g]! : -1;
  }

  /**
   * Message g pushed to connection `member`: the push's latency (ms), or a DELIVERY code (unknown message,
   * duplicate, misdelivered to a non-member, or to the sender itself: `echo`).
   */
  deliver(g: number, member: number, now: number): number {
    if (g < 0 || g >= this.n) {
      this.t.unknownPushes++;
      return DELIVERY.unknown;
    }
    if (member < 0 || member >= this.members) {
      this.t.misdelivered++;
      return DELIVERY.misdelivered;
    }
    if (member === this.sender[g]) {
      this.t.echoes++;
      return FANOUT_ECHO;
    }
    const byte = g * this.stride + (member >> 3);
    const bit = 1 << (member & 7);
    if ((this.seen[byte]! & bit) !== 0) {
      this.t.duplicated++;
      return DELIVERY.duplicate;
    }
    this.seen[byte] = this.seen[byte]! | bit;
    this.t.pushes++;
    const ms = now - this.sentAt[g]!;
    this.push.add(ms);
    const count = ++this.received[g]!;
    if (count === 1) this.firstMember.add(ms);
    if (count === this.members - 1) {
      this.t.complete++;
      this.lastMember.add(ms);
    }
    return ms;
  }

  totals(): FanoutTotals {
    let unacked = 0;
    let pushesLost = 0;
    let pushedRejected = 0;
    const owed = this.members - 1;
    for (let g = 0; g < this.n; g++) {
      const f = this.flags[g]!;
      if ((f & REJECTED) !== 0) {
        pushedRejected += this.received[g]!;
        continue;
      }
      if ((f & ACKED) === 0) unacked++;
      pushesLost += owed - this.received[g]!;
    }
    return { ...this.t, sent: this.n, unacked, pushesExpected: (this.n - this.t.rejected) * owed, pushesLost, pushedRejected };
  }

  latency(): FanoutLatency {
    return { lastMember: this.lastMember.summary(), firstMember: this.firstMember.summary(), push: this.push.summary(), ack: this.ackLatency.summary() };
  }

  private answer(g: number, outcome: typeof ACKED | typeof REJECTED): boolean {
    if (g < 0 || g >= this.n) {
      this.t.unknownAcks++;
      return false;
    }
    if ((this.flags[g]! & (ACKED | REJECTED)) !== 0) {
      this.t.duplicateAcks++;
      return false;
    }
    this.flags[g] = outcome;
    if (outcome === ACKED) this.t.acked++;
    else this.t.rejected++;
    return true;
  }

  private resize(size: number): void {
    const grow = <T extends Float64Array | Int32Array | Uint8Array>(old: T, make: (n: number) => T): T => {
      const bigger = make(size);
      bigger.set(old);
      return bigger;
    };
    this.sentAt = grow(this.sentAt, (k) => new Float64Array(k));
    this.sender = grow(this.sender, (k) => new Int32Array(k));
    this.flags = grow(this.flags, (k) => new Uint8Array(k));
    this.received = grow(this.received, (k) => new Int32Array(k));
    this.seen = grow(this.seen, (k) => new Uint8Array(k * this.stride));
  }
}

/** deliver()'s answer for a push of a message to its own sender's connection. */
export const FANOUT_ECHO = -4;

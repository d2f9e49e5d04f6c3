// Per-message bookkeeping of a run: what was sent to whom and when, acknowledged, delivered, lost or duplicated.

const ACKED = 1;
const REJECTED = 2;

/** What happened to one incoming delivery; a non-negative number is the latency in ms. */
export const DELIVERY = { unknown: -1, duplicate: -2, misdelivered: -3 } as const;

export interface LedgerTotals {
  sent: number;
  acked: number;
  rejected: number;
  delivered: number;
  /** Sent, not rejected, and never delivered (acknowledged or not). */
  lost: number;
  /** Deliveries beyond the first copy of a message. */
  duplicated: number;
  /** Delivered to a user other than the chosen recipient. */
  misdelivered: number;
  /** Accepted by the server but the ack never came. */
  unacked: number;
  /** Acks or deliveries for messages this run never sent, and second acks. */
  unknownAcks: number;
  duplicateAcks: number;
  unknownDeliveries: number;
}

/**
 * Message numbers are per sender (0, 1, 2, …); all state lives in typed arrays indexed by them,
 * so recording a message allocates nothing except when an array doubles.
 */
export class Ledger {
  private readonly sentAt: Float64Array[] = [];
  private readonly recipient: Int32Array[] = [];
  private readonly flags: Uint8Array[] = [];
  /** Copies delivered, saturating at 255 (the duplicate counter keeps the exact number). */
  private readonly copies: Uint8Array[] = [];
  private readonly next: Int32Array;
  private t = { sent: 0, acked: 0, rejected: 0, delivered: 0, duplicated: 0, misdelivered: 0, duplicateAcks: 0, unknownAcks: 0, unknownDeliveries: 0 };

  constructor(readonly users: number, perSenderHint = 1024) {
    this.next = new Int32Array(users);
    const cap = Math.max(16, perSenderHint);
    for (let i = 0; i < users; i++) {
      this.sentAt.push(new Float64Array(cap));
      this.recipient.push(new Int32Array(cap));
      this.flags.push(new Uint8Array(cap));
      this.copies.push(new Uint8Array(cap));
    }
  }

  get sent(): number {
    return this.t.sent;
  }
  get acked(): number {
    return this.t.acked;
  }
  get delivered(): number {
    return this.t.delivered;
  }
  get rejected(): number {
    return this.t.rejected;
  }

  /** Records a message about to be sent and returns its number for this sender. */
  send(sender: number, to: number, now: number): number {
    const seq = this.next[sender]!;
    if (seq === this.sentAt[sender]!.length) this.grow(sender);
    this.next[sender] = seq + 1;
    this.sentAt[sender]![seq] = now;
    this.recipient[sender]![seq] = to;
    this.t.sent++;
    return seq;
  }

  /** True for the first ack of a message this run sent. */
  ack(sender: number, seq: number): boolean {
    return this.answer(sender, seq, ACKED);
  }

  /** The server answered with an error: the message is not expected to arrive. */
  reject(sender: number, seq: number): boolean {
    return this.answer(sender, seq, REJECTED);
  }

  /** Marks the server's one answer (an ack or an error) to a message; false for an unknown or second one. */
  private answer(sender: number, seq: number, outcome: typeof ACKED | typeof REJECTED): boolean {
    if (!this.known(sender, seq)) {
      this.t.unknownAcks++;
      return false;
    }
    const flags = this.flags[sender]!;
    if ((flags[seq]! & (ACKED | REJECTED)) !== 0) {
      this.t.duplicateAcks++;
      return false;
    }
    flags[seq] = flags[seq]! | outcome;
    if (outcome === ACKED) this.t.acked++;
    else this.t.rejected++;
    return true;
  }

  /** Records message `seq` of `sender` arriving at user `at`; returns the latency or a DELIVERY code. */
  deliver(sender: number, seq: number, at: number, now: number): number {
    if (!this.known(sender, seq)) {
      this.t.unknownDeliveries++;
      return DELIVERY.unknown;
    }
    if (this.recipient[sender]![seq] !== at) {
      this.t.misdelivered++;
      return DELIVERY.misdelivered;
    }
    const copies = this.copies[sender]!;
    const c = copies[seq]!;
    if (c !== 0) {
      this.t.duplicated++;
      if (c < 255) copies[seq] = c + 1;
      return DELIVERY.duplicate;
    }
    copies[seq] = 1;
    this.t.delivered++;
    return now - this.sentAt[sender]![seq]!;
  }

  totals(): LedgerTotals {
    let lost = 0;
    let unacked = 0;
    for (let s = 0; s < this.users; s++) {
      const n = this.next[s]!;
      const flags = this.flags[s]!;
      const copies = this.copies[s]!;
      for (let i = 0; i < n; i++) {
        const f = flags[i]!;
        if ((f & REJECTED) !== 0) continue;
        if (copies[i] === 0) lost++;
        if ((f & ACKED) === 0) unacked++;
      }
    }
    return { ...this.t, lost, unacked };
  }

  private known(sender: number, seq: number): boolean {
    return sender >= 0 && sender < this.users && seq >= 0 && seq < this.next[sender]!;
  }

  private grow(sender: number): void {
    const size = this.sentAt[sender]!.length * 2;
    const grow = <T extends Float64Array | Int32Array | Uint8Array>(old: T, make: (n: number) => T): T => {
      const bigger = make(size);
      bigger.set(old);
      return bigger;
    };
    this.sentAt[sender] = grow(this.sentAt[sender]!, (n) => new Float64Array(n));
    this.recipient[sender] = grow(this.recipient[sender]!, (n) => new Int32Array(n));
    this.flags[sender] = grow(this.flags[sender]!, (n) => new Uint8Array(n));
    this.copies[sender] = grow(this.copies[sender]!, (n) => new Uint8Array(n));
  }
}

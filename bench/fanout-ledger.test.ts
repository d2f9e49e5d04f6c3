// The group run's bookkeeping: latency to the LAST member's push, and every way a push can go wrong counted.
import { describe, expect, it } from 'vitest';
import { FANOUT_ECHO, FanoutLedger } from './fanout-ledger.js';
import { DELIVERY } from './ledger.js';

describe('FanoutLedger', () => {
  it('measures send → the last member’s push, once per message, and send → ack', () => {
    const l = new FanoutLedger(4, 2);
    const a = l.send(0, 100);
    const b = l.send(2, 101);
    expect([a, b]).toEqual([0, 1]);
    expect(l.ack(a, 100.5)).toBeCloseTo(0.5);
    expect(l.ack(b, 102)).toBeCloseTo(1);
    // a goes to 1, 2, 3 (not 0, its sender); b to 0, 1, 3.
    // Members in any order: the last one to get a has it at 104.
    expect(l.deliver(a, 3, 101)).toBeCloseTo(1);
    expect(l.deliver(a, 1, 102)).toBeCloseTo(2);
    expect(l.complete).toBe(0);
    expect(l.deliver(a, 2, 104)).toBeCloseTo(4);
    expect(l.complete).toBe(1);
    for (const [member, at] of [[0, 103], [3, 106], [1, 111]] as const) l.deliver(b, member, at);
    const lat = l.latency();
    // The last member of a got it 4 ms after the send, of b 10 ms after.
    expect(lat.lastMember).toMatchObject({ count: 2, p50: 4, max: 10 });
    expect(lat.firstMember).toMatchObject({ count: 2, p50: 1, max: 2 });
    expect(lat.push.count).toBe(6);
    expect(lat.ack.count).toBe(2);
    expect(l.totals()).toMatchObject({ sent: 2, acked: 2, pushesExpected: 6, pushes: 6, pushesLost: 0, duplicated: 0, complete: 2, unacked: 0 });
  });

  it('counts a member’s second copy as a duplicate, not as another member, so the message stays incomplete', () => {
    const l = new FanoutLedger(3);
    const a = l.send(0, 0);
    l.ack(a, 1);
    expect(l.deliver(a, 1, 2)).toBe(2);
    expect(l.deliver(a, 1, 3)).toBe(DELIVERY.duplicate);
    expect(l.complete).toBe(0);
    expect(l.incomplete).toBe(1);
    expect(l.latency().lastMember.count).toBe(0);
    expect(l.totals()).toMatchObject({ pushes: 1, duplicated: 1, pushesLost: 1, complete: 0 });
  });

  it('counts echoes to the sender, pushes to non-members and unknown messages apart', () => {
    const l = new FanoutLedger(3);
    const a = l.send(1, 0);
    expect(l.deliver(a, 1, 1)).toBe(FANOUT_ECHO);
    expect(l.deliver(a, 3, 1)).toBe(DELIVERY.misdelivered);
    expect(l.deliver(a + 1, 0, 1)).toBe(DELIVERY.unknown);
    expect(l.deliver(-1, 0, 1)).toBe(DELIVERY.unknown);
    expect(l.totals()).toMatchObject({ echoes: 1, misdelivered: 1, unknownPushes: 2, pushes: 0, pushesLost: 2, unacked: 1 });
  });

  it('owes nothing for a refused message, and flags pushes of one', () => {
    const l = new FanoutLedger(3);
    const a = l.send(0, 0);
    const b = l.send(0, 0);
    expect(l.reject(a)).toBe(true);
    expect(l.ack(a, 1)).toBe(-1);
    l.ack(b, 1);
    l.deliver(b, 1, 2);
    l.deliver(b, 2, 2);
    expect(l.totals()).toMatchObject({ rejected: 1, pushesExpected: 2, pushesLost: 0, pushedRejected: 0, duplicateAcks: 1 });
    l.deliver(a, 1, 3);
    expect(l.totals().pushedRejected).toBe(1);
  });

  it('counts unknown and repeated acks', () => {
    const l = new FanoutLedger(2);
    const a = l.send(0, 0);
    expect(l.ack(7, 1)).toBe(-1);
    expect(l.ack(a, 1)).toBe(1);
    expect(l.ack(a, 2)).toBe(-1);
    expect(l.totals()).toMatchObject({ unknownAcks: 1, duplicateAcks: 1, acked: 1 });
  });

  it('grows without losing what it recorded, for a 1,000-member group', () => {
    const l = new FanoutLedger(1000, 4);
    for (let i = 0; i < 40; i++) {
      const g = l.send(i % 10, i);
      l.ack(g, i + 0.5);
      for (let m = 0; m < 1000; m++) if (m !== i % 10) l.deliver(g, m, i + 1 + m / 1000);
    }
    expect(l.totals()).toMatchObject({ sent: 40, pushes: 40 * 999, pushesLost: 0, duplicated: 0, complete: 40 });
    expect(l.latency().lastMember).toMatchObject({ count: 40 });
    expect(l.latency().lastMember.max).toBeCloseTo(1.999, 3);
  });

  it('refuses a sender outside the group and a group of one', () => {
    expect(() => new FanoutLedger(1)).toThrow(RangeError);
    expect(() => new FanoutLedger(3).send(3, 0)).toThrow(RangeError);
  });
});

// Loss and duplicate accounting: every way a message can go wrong is counted, and only those.
import { describe, expect, it } from 'vitest';
import { DELIVERY, Ledger } from './ledger.js';

describe('Ledger', () => {
  it('counts a clean exchange as 0 lost, 0 duplicated, with latencies', () => {
    const l = new Ledger(3, 2);
    const a = l.send(0, 1, 100);
    const b = l.send(0, 2, 101);
    const c = l.send(2, 0, 102);
    expect([a, b, c]).toEqual([0, 1, 0]);
    expect(l.ack(0, a) && l.ack(0, b) && l.ack(2, c)).toBe(true);
    expect(l.deliver(0, a, 1, 100.5)).toBeCloseTo(0.5);
    expect(l.deliver(0, b, 2, 103)).toBeCloseTo(2);
    expect(l.deliver(2, c, 0, 102.25)).toBeCloseTo(0.25);
    expect(l.totals()).toMatchObject({ sent: 3, acked: 3, delivered: 3, lost: 0, duplicated: 0, unacked: 0, misdelivered: 0 });
  });

  it('counts a message never delivered as lost, acked or not', () => {
    const l = new Ledger(2);
    const a = l.send(0, 1, 0);
    l.send(0, 1, 0);
    l.ack(0, a);
    expect(l.totals()).toMatchObject({ lost: 2, unacked: 1, delivered: 0 });
  });

  it('counts each extra copy as a duplicate', () => {
    const l = new Ledger(2);
    const a = l.send(1, 0, 0);
    l.ack(1, a);
    expect(l.deliver(1, a, 0, 1)).toBe(1);
    expect(l.deliver(1, a, 0, 2)).toBe(DELIVERY.duplicate);
    expect(l.deliver(1, a, 0, 3)).toBe(DELIVERY.duplicate);
    expect(l.totals()).toMatchObject({ delivered: 1, duplicated: 2, lost: 0 });
  });

  it('counts deliveries to the wrong user, of unknown messages, and repeated acks', () => {
    const l = new Ledger(3);
    const a = l.send(0, 1, 0);
    expect(l.deliver(0, a, 2, 1)).toBe(DELIVERY.misdelivered);
    expect(l.deliver(0, 5, 1, 1)).toBe(DELIVERY.unknown);
    expect(l.deliver(-1, 0, 1, 1)).toBe(DELIVERY.unknown);
    expect(l.ack(0, 9)).toBe(false);
    expect(l.ack(0, a)).toBe(true);
    expect(l.ack(0, a)).toBe(false);
    expect(l.totals()).toMatchObject({ misdelivered: 1, unknownDeliveries: 2, unknownAcks: 1, duplicateAcks: 1, lost: 1 });
  });

  it('does not count a rejected message as lost', () => {
    const l = new Ledger(2);
    const a = l.send(0, 1, 0);
    expect(l.reject(0, a)).toBe(true);
    expect(l.ack(0, a)).toBe(false);
    expect(l.totals()).toMatchObject({ rejected: 1, lost: 0, unacked: 0, duplicateAcks: 1 });
  });

  it('grows per sender without losing what it recorded', () => {
    const l = new Ledger(2, 16);
    for (let i = 0; i < 1000; i++) {
      const seq = l.send(0, 1, i);
      l.ack(0, seq);
      expect(l.deliver(0, seq, 1, i + 1)).toBe(1);
    }
    expect(l.totals()).toMatchObject({ sent: 1000, delivered: 1000, lost: 0, duplicated: 0 });
  });
});

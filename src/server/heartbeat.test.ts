import { afterEach, expect, test, vi } from 'vitest';
import { Heartbeat, type Beating } from './heartbeat.js';

afterEach(() => {
  vi.useRealTimers();
});

class Item implements Beating {
  alive = true;
  pings: number[] = [];
  terminated = false;
  ping(): void {
    this.alive = false;
    this.pings.push(Date.now());
  }
  terminate(): void {
    this.terminated = true;
  }
}

/** A connection whose pong arrives before its next ping. */
class Answering extends Item {
  override ping(): void {
    super.ping();
    this.alive = true;
  }
}

test('pings every connection once per interval, spread over the interval rather than in one turn', () => {
  vi.useFakeTimers({ now: 0 });
  const dead: Item[] = [];
  const beat = new Heartbeat<Item>(1_000, (item) => dead.push(item));
  const items = Array.from({ length: 1_000 }, () => new Item());
  for (const item of items) beat.add(item);
  vi.advanceTimersByTime(1_000);
  expect(items.every((i) => i.pings.length === 1)).toBe(true);
  // Twenty ticks of 50 ms, fifty connections each.
  const perTick = new Map<number, number>();
  for (const i of items) perTick.set(i.pings[0]!, (perTick.get(i.pings[0]!) ?? 0) + 1);
  expect([...perTick.keys()]).toEqual(Array.from({ length: 20 }, (_, k) => (k + 1) * 50));
  expect(new Set(perTick.values())).toEqual(new Set([50]));
  // The next round pings each of them again one interval after the first.
  for (const i of items) i.alive = true;
  vi.advanceTimersByTime(1_000);
  expect(items.every((i) => i.pings.length === 2 && i.pings[1]! - i.pings[0]! === 1_000)).toBe(true);
  beat.stop();
});

test('a few connections are still pinged once per interval, not once per tick; one added mid-round waits for the next', () => {
  vi.useFakeTimers({ now: 0 });
  const beat = new Heartbeat<Item>(1_000, () => {});
  const [first, later] = [new Answering(), new Answering()];
  beat.add(first);
  vi.advanceTimersByTime(500);
  beat.add(later);
  vi.advanceTimersByTime(2_500);
  expect(first.pings).toEqual([50, 1_050, 2_050]);
  expect(later.pings).toEqual([1_100, 2_100]);
  beat.stop();
});

test('a connection that missed its pong is dropped at its next turn; one that answered is pinged again', () => {
  vi.useFakeTimers({ now: 0 });
  const dead: Item[] = [];
  const beat = new Heartbeat<Item>(1_000, (item) => dead.push(item));
  const [answers, silent, gone] = [new Item(), new Item(), new Item()];
  beat.add(answers);
  beat.add(silent);
  beat.add(gone);
  vi.advanceTimersByTime(1_000);
  answers.alive = true; // its pong
  vi.advanceTimersByTime(60); // the second round has begun
  beat.delete(gone); // closed before its turn came: no longer pinged or dropped
  vi.advanceTimersByTime(940);
  expect(answers.pings).toHaveLength(2);
  expect(silent.terminated).toBe(true);
  expect(dead).toEqual([silent]);
  expect(gone.pings).toHaveLength(1);
  expect(gone.terminated).toBe(false);
  beat.stop();
});

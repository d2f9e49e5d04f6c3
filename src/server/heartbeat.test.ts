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

test('pings every connection once per interval, spread over the interval rather than in one turn', () => {
  vi.useFakeTimers({ now: 0 });
  const dead: Item[] = [];
  const beat = new Heartbeat<Item>(1_000, (item) => dead.push(item));
  const items = Array.from({ length: 1_000 }, () => new Item());
  for (const item of items) beat.add(item);
  vi.advanceTimersByTime(1_000);
  expect(items.every((i) => i.pings.length === 1)).toBe(true);
  // At most a tenth of them in any one tick.
  const perTick = new Map<number, number>();
  for (const i of items) perTick.set(i.pings[0]!, (perTick.get(i.pings[0]!) ?? 0) + 1);
  expect(perTick.size).toBe(10);
  expect(Math.max(...perTick.values())).toBe(100);
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
  beat.delete(gone); // closed meanwhile: no longer pinged or dropped
  vi.advanceTimersByTime(1_000);
  expect(answers.pings).toHaveLength(2);
  expect(silent.terminated).toBe(true);
  expect(dead).toEqual([silent]);
  expect(gone.pings).toHaveLength(1);
  expect(gone.terminated).toBe(false);
  beat.stop();
});

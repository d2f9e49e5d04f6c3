// OneAtATime: one task per key, in arrival order, several keys without deadlock, a bounded line.
import { expect, test } from 'vitest';
import type { ParleyError } from '../../shared/errors.js';
import { OneAtATime } from './one-at-a-time.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

test('tasks sharing a key run one at a time in arrival order; tasks sharing none run together', async () => {
  const gate = new OneAtATime(10);
  const log: string[] = [];
  const task = (name: string) => async () => {
    log.push(`start ${name}`);
    await tick();
    log.push(`end ${name}`);
  };
  await Promise.all([gate.run(['a'], task('a1')), gate.run(['b'], task('b1')), gate.run(['a'], task('a2'))]);
  expect(log).toEqual(['start a1', 'start b1', 'end a1', 'start a2', 'end b1', 'end a2']);
  expect(gate.size).toBe(0);
});

test('tasks holding several keys in opposite orders do not deadlock', async () => {
  const gate = new OneAtATime(32);
  let done = 0;
  await Promise.all(Array.from({ length: 20 }, (_, i) => gate.run(i % 2 ? ['x', 'y'] : ['y', 'x'], async () => void (await tick(), done++))));
  expect(done).toBe(20);
  expect(gate.size).toBe(0);
});

test('past its waiting bound a key refuses with SERVER_BUSY and a retry-after, holding nothing', async () => {
  const gate = new OneAtATime(2);
  const runs = Array.from({ length: 4 }, () => gate.run(['k'], tick));
  const settled = await Promise.allSettled(runs);
  expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
  const refusal = (settled[3] as PromiseRejectedResult).reason as ParleyError;
  expect(refusal.code).toBe('SERVER_BUSY');
  expect(refusal.retryAfterMs).toBeGreaterThan(0);
  expect(gate.size).toBe(0);
});

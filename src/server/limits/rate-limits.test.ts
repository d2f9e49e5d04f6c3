// The rate-limit seam: every counter comes from the factory, so a Redis-backed one can replace memory.
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { expect, test } from 'vitest';
import { DEFAULT_RATE_LIMITS, type LimiterFactory, RateLimits } from './rate-limits.js';

test('every limiter is made by the factory it is given', async () => {
  const made: string[] = [];
  const factory: LimiterFactory = (options) => {
    made.push(`${options.keyPrefix}:${options.points}/${options.duration}s`);
    return new RateLimiterMemory(options);
  };
  const limits = new RateLimits(DEFAULT_RATE_LIMITS, factory);
  expect(made.sort()).toEqual(['login-account:10/900s', 'login-address:30/900s', 'messages-burst:30/60s', 'messages:5/1s', 'register:10/3600s']);
  await limits.loginFailed('alice', '192.0.2.1');
  await expect(limits.checkLogin('alice', '192.0.2.1')).resolves.toBeUndefined();
});

test('false switches every limit off, and messages then need no await at all', async () => {
  const limits = new RateLimits(false);
  expect(limits.message(1)).toBeNull();
  for (let i = 0; i < 100; i++) await limits.loginFailed('alice', '192.0.2.1');
  await expect(limits.checkLogin('alice', '192.0.2.1')).resolves.toBeUndefined();
  const refund = await limits.register('192.0.2.1');
  await refund();
});

test("one user's messages leave the limiter in the order they arrived", async () => {
  const limits = new RateLimits({ ...DEFAULT_RATE_LIMITS, messagesPerSecond: 3, messageBurstPerMinute: 2 });
  const order: number[] = [];
  const all = Array.from({ length: 8 }, (_, i) => limits.message(7)!.then(() => order.push(i), () => order.push(-i)));
  await Promise.all(all);
  expect(order).toEqual([0, 1, 2, 3, 4, -5, -6, -7]);
});

// The rate-limit seam: every counter comes from the factory, so a Redis-backed one can replace memory.
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { expect, test } from 'vitest';
import type { LimiterFactory } from './limiter-factory.js';
import { DEFAULT_RATE_LIMITS, RateLimits } from './rate-limits.js';

test('every limiter is made by the factory it is given', async () => {
  const made: string[] = [];
  const factory: LimiterFactory = (options) => {
    made.push(`${options.keyPrefix}:${options.points}/${options.duration}s`);
    return new RateLimiterMemory(options);
  };
  const limits = new RateLimits(DEFAULT_RATE_LIMITS, factory);
  expect(made.sort()).toEqual(['login-account:10/900s', 'login-address:30/900s', 'messages-burst:30/60s', 'messages:5/1s', 'prelogin:60/60s', 'register:10/3600s']);
  await expect(limits.passwordCheck('alice', '192.0.2.1', async () => undefined, 'clear')).resolves.toBeUndefined();
  await expect(limits.passwordCheck('alice', '192.0.2.1', async () => 'ok', 'clear')).resolves.toBe('ok');
});

test('a password check takes its point before it runs: of 12 at once, the 11th and 12th are refused without running', async () => {
  const limits = new RateLimits(DEFAULT_RATE_LIMITS);
  let ran = 0;
  let running = 0;
  const check = async () => {
    ran++;
    running++;
    expect(running).toBe(1); // one check per account and per address at a time
    await new Promise((resolve) => setTimeout(resolve, 1));
    running--;
    return undefined;
  };
  const results = await Promise.allSettled(Array.from({ length: 12 }, () => limits.passwordCheck('alice', '192.0.2.1', check, 'clear')));
  expect(ran).toBe(10);
  expect(results.map((r) => (r.status === 'fulfilled' ? 'failed' : (r.reason as { code: string }).code))).toEqual([...Array(10).fill('failed'), 'RATE_LIMITED', 'RATE_LIMITED']);
  expect(limits.checks.size).toBe(0);
});

test('false switches every limit off, and messages then need no await at all', async () => {
  const limits = new RateLimits(false);
  expect(limits.message(1)).toBeNull();
  for (let i = 0; i < 100; i++) await limits.passwordCheck('alice', '192.0.2.1', async () => undefined, 'clear');
  await expect(limits.passwordCheck('alice', '192.0.2.1', async () => 'ok', 'clear')).resolves.toBe('ok');
  await expect(limits.register('192.0.2.1', async () => 'made')).resolves.toBe('made');
  for (let i = 0; i < 100; i++) await limits.prelogin('192.0.2.1');
});

test("one user's messages leave the limiter in the order they arrived", async () => {
  const limits = new RateLimits({ ...DEFAULT_RATE_LIMITS, messagesPerSecond: 3, messageBurstPerMinute: 2 });
  const order: number[] = [];
  const all = Array.from({ length: 8 }, (_, i) => limits.message(7)!.then(() => order.push(i), () => order.push(-i)));
  await Promise.all(all);
  expect(order).toEqual([0, 1, 2, 3, 4, -5, -6, -7]);
});

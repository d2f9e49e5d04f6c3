// Rate limits: failed logins per account and per address, registrations per address, messages per user, --trust-proxy.
import { afterEach, expect, test } from 'vitest';
import { DEFAULT_RATE_LIMITS, type RateLimitConfig } from '../src/server/limits/rate-limits.js';
import { RequestFailed, TestClient, userClient } from './helpers/client.js';
import { spawnServer, type SpawnedServer, startServer, type TestServer } from './helpers/server.js';

const PASSWORD = 'correct horse battery';
let server: TestServer | undefined;
let spawned: SpawnedServer | undefined;
const clients: TestClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server?.close();
  server = undefined;
  await spawned?.kill();
  spawned = undefined;
});

async function start(rateLimits: Partial<RateLimitConfig> = {}, trustProxy = false): Promise<TestServer> {
  server = await startServer({ config: { rateLimits: { ...DEFAULT_RATE_LIMITS, ...rateLimits }, trustProxy } });
  return server;
}

async function connect(url: string, from?: string): Promise<TestClient> {
  const client = await TestClient.connect(url, from ? { headers: { 'x-forwarded-for': from } } : {});
  clients.push(client);
  return client;
}

/** The error a login attempt ends with (or 'ok'); each attempt on a fresh connection, as a guessing client would. */
async function login(url: string, username: string, password: string, from?: string): Promise<RequestFailed | 'ok'> {
  const client = await connect(url, from);
  try {
    await client.request('login', { type: 'login', username, password });
    return 'ok';
  } catch (error) {
    if (error instanceof RequestFailed) return error;
    throw error;
  } finally {
    client.close();
  }
}

const code = (result: RequestFailed | 'ok') => (result === 'ok' ? 'ok' : result.code);

test('failed logins per account: the 11th attempt within 15 minutes gets RATE_LIMITED with a retry-after, even with the right password', async () => {
  const { url } = await start(); // the defaults: 10 per account, 30 per address
  (await userClient(url, 'alice', PASSWORD)).close();
  for (let i = 0; i < 10; i++) expect(code(await login(url, 'alice', `wrong password ${i}`))).toBe('AUTH_FAILED');
  const limited = await login(url, 'alice', PASSWORD);
  expect(code(limited)).toBe('RATE_LIMITED');
  const reply = (limited as RequestFailed).reply;
  expect(reply.retryAfterMs).toBeGreaterThan(14 * 60_000);
  expect(reply.retryAfterMs).toBeLessThanOrEqual(15 * 60_000);
  expect(reply.message).toMatch(/Too many failed logins\. Try again in 15 minute\(s\)\./);
  // Other accounts from the same address are not held back by alice's counter.
  (await userClient(url, 'bob', PASSWORD)).close();
  expect(await login(url, 'bob', PASSWORD)).toBe('ok');
});

test('login errors do not reveal whether a username exists, rate limit included', async () => {
  const { url } = await start();
  (await userClient(url, 'alice', PASSWORD)).close();
  const results: Record<string, RequestFailed[]> = { alice: [], ghost: [] };
  for (let i = 0; i < 11; i++) {
    for (const name of ['alice', 'ghost']) results[name]!.push((await login(url, name, `wrong ${i}`)) as RequestFailed);
  }
  const shape = (r: RequestFailed) => ({ code: r.reply.code, message: r.reply.message, retry: r.reply.retryAfterMs !== undefined });
  expect(results.alice!.map(shape)).toEqual(results.ghost!.map(shape));
  expect(results.alice![0]!.reply).toMatchObject({ code: 'AUTH_FAILED', message: 'Wrong username or password.' });
  expect(results.alice![10]!.code).toBe('RATE_LIMITED');
});

test('a successful login clears the account counter', async () => {
  const { url } = await start({ loginFailuresPerAccount: 3 });
  (await userClient(url, 'alice', PASSWORD)).close();
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 2; i++) expect(code(await login(url, 'alice', 'wrong'))).toBe('AUTH_FAILED');
    expect(await login(url, 'alice', PASSWORD)).toBe('ok');
  }
});

test('failed logins per address: past the limit every login from that address is refused, whatever the username', async () => {
  const { url } = await start({ loginFailuresPerAddress: 3 });
  (await userClient(url, 'alice', PASSWORD)).close();
  for (const name of ['u1', 'u2', 'u3']) expect(code(await login(url, name, 'wrong password'))).toBe('AUTH_FAILED');
  const limited = await login(url, 'alice', PASSWORD);
  expect(code(limited)).toBe('RATE_LIMITED');
  expect((limited as RequestFailed).reply.retryAfterMs).toBeGreaterThan(0);
});

test('--trust-proxy: X-Forwarded-For tells addresses apart only when trusted; by default it is ignored', async () => {
  // Trusted: each forwarded address has its own counter.
  let { url } = await start({ loginFailuresPerAddress: 2 }, true);
  for (let i = 0; i < 2; i++) expect(code(await login(url, `u${i}`, 'wrong password', '203.0.113.1'))).toBe('AUTH_FAILED');
  expect(code(await login(url, 'u9', 'wrong password', '203.0.113.1'))).toBe('RATE_LIMITED');
  expect(code(await login(url, 'u9', 'wrong password', '203.0.113.2'))).toBe('AUTH_FAILED');
  // A client cannot dodge the proxy's address by prepending its own: only the last entry counts.
  expect(code(await login(url, 'u9', 'wrong password', '198.51.100.7, 203.0.113.1'))).toBe('RATE_LIMITED');
  await server!.close();

  // Not trusted (the default): the header is ignored and every attempt counts for 127.0.0.1.
  ({ url } = await start({ loginFailuresPerAddress: 2 }));
  expect(code(await login(url, 'u0', 'wrong password', '203.0.113.1'))).toBe('AUTH_FAILED');
  expect(code(await login(url, 'u1', 'wrong password', '203.0.113.2'))).toBe('AUTH_FAILED');
  expect(code(await login(url, 'u2', 'wrong password', '203.0.113.3'))).toBe('RATE_LIMITED');
});

test('registrations per address: past the hourly limit RATE_LIMITED; a refused attempt does not count', async () => {
  const { url } = await start({ registrationsPerHour: 2 });
  const register = async (username: string) => {
    const client = await connect(url);
    return client.request('register', { type: 'register', username, password: PASSWORD }).then(
      () => 'ok',
      (error: RequestFailed) => error,
    );
  };
  expect(await register('first')).toBe('ok');
  expect(code((await register('first')) as RequestFailed)).toBe('USERNAME_TAKEN');
  expect(await register('second')).toBe('ok');
  const limited = (await register('third')) as RequestFailed;
  expect(limited.code).toBe('RATE_LIMITED');
  expect(limited.reply.retryAfterMs).toBeGreaterThan(59 * 60_000);
  expect(limited.reply.message).toMatch(/Too many new accounts from your address/);
});

test('messages per user: a burst goes through, then the sustained rate; refused sends are not stored', async () => {
  const { url } = await start({ messagesPerSecond: 5, messageBurstPerMinute: 10 });
  const alice = await userClient(url, 'alice');
  const bob = await userClient(url, 'bob');
  clients.push(alice, bob);
  const send = (i: number) =>
    alice.request('send', { type: 'send', to: 'bob', clientMsgId: `m${i}`, body: `n${i}` }).then(
      (ack) => ack,
      (error: RequestFailed) => error,
    );

  // 15 at once: 5 from the sustained rate and 10 from the burst allowance, stored in the order sent.
  const burst = await Promise.all(Array.from({ length: 16 }, (_, i) => send(i)));
  expect(burst.slice(0, 15).map((r) => ('seq' in r ? r.seq : r.code))).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
  const limited = burst[15] as RequestFailed;
  expect(limited.code).toBe('RATE_LIMITED');
  expect(limited.reply.retryAfterMs).toBeGreaterThan(0);
  expect(limited.reply.retryAfterMs).toBeLessThanOrEqual(1_000);
  expect(limited.reply.message).toMatch(/You are sending too fast/);

  // After the wait it names, the sustained rate applies again: 5 more, and the burst is spent.
  await new Promise((resolve) => setTimeout(resolve, limited.reply.retryAfterMs));
  const sustained = await Promise.all(Array.from({ length: 6 }, (_, i) => send(100 + i)));
  expect(sustained.slice(0, 5).map((r) => ('seq' in r ? r.seq : r.code))).toEqual([16, 17, 18, 19, 20]);
  expect((sustained[5] as RequestFailed).code).toBe('RATE_LIMITED');

  // Bob's own sending is not limited by alice's.
  await expect(bob.request('send', { type: 'send', to: 'alice', clientMsgId: 'b1', body: 'hi' })).resolves.toMatchObject({ seq: 21 });
});

test('rate limits are flags and PARLEY_* variables of `parley server`', async () => {
  spawned = await spawnServer({ args: ['--login-failures-per-account', '1', '--allow-unencrypted'], env: { PARLEY_REGISTRATIONS_PER_HOUR: '1' } });
  const first = await connect(spawned.url);
  await first.request('register', { type: 'register', username: 'alice', password: PASSWORD });
  const second = await connect(spawned.url);
  await expect(second.request('register', { type: 'register', username: 'bob', password: PASSWORD })).rejects.toMatchObject({ code: 'RATE_LIMITED' });
  expect(code(await login(spawned.url, 'alice', 'wrong password'))).toBe('AUTH_FAILED');
  expect(code(await login(spawned.url, 'alice', PASSWORD))).toBe('RATE_LIMITED');
});

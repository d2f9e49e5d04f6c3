// Rate limits: failed logins per account and per address, registrations per address, messages per user, --trust-proxy.
import argon2 from 'argon2';
import { afterEach, expect, test, vi } from 'vitest';
import { DEFAULT_RATE_LIMITS, type RateLimitConfig } from '../../src/server/limits/rate-limits.js';
import { RequestFailed, TestClient, userClient } from '../helpers/client.js';
import { spawnServer, type SpawnedServer, startServer, type TestServer } from '../helpers/server.js';

const PASSWORD = 'correct horse battery';
let server: TestServer | undefined;
let spawned: SpawnedServer | undefined;
const clients: TestClient[] = [];

afterEach(async () => {
  vi.restoreAllMocks();
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

/**
 * Watches the real argon2 (spied, not replaced): which passwords reached a verification, how many hashes were
 * made, and the most runs at once. The server runs in this process, so it calls the same module.
 */
function watchArgon2() {
  const seen = { verified: [] as string[], hashes: 0, running: { verify: 0, hash: 0 }, peak: { verify: 0, hash: 0 } };
  const track = async <T>(kind: 'verify' | 'hash', run: () => Promise<T>): Promise<T> => {
    seen.peak[kind] = Math.max(seen.peak[kind], ++seen.running[kind]);
    try {
      return await run();
    } finally {
      seen.running[kind]--;
    }
  };
  const { verify, hash } = argon2;
  vi.spyOn(argon2, 'verify').mockImplementation((digest, password, options) => {
    seen.verified.push(String(password));
    return track('verify', () => verify(digest, password, options));
  });
  vi.spyOn(argon2, 'hash').mockImplementation(((password: string, options: Parameters<typeof hash>[1]) => {
    seen.hashes++;
    return track('hash', () => hash(password, options));
  }) as typeof hash);
  return seen;
}

/** Sends every request at once, `perSocket` frames on each of several sockets, and collects the answers in sending order. */
async function burst(url: string, bodies: { type: 'login' | 'register' | 'prelogin'; username: string; password?: string }[], perSocket: number, from?: string): Promise<(RequestFailed | 'ok')[]> {
  const sockets = await Promise.all(Array.from({ length: Math.ceil(bodies.length / perSocket) }, () => connect(url, from)));
  return Promise.all(
    bodies.map((body, i) =>
      sockets[Math.floor(i / perSocket)]!.request(body.type, body as never).then(
        () => 'ok' as const,
        (error: unknown) => {
          if (error instanceof RequestFailed) return error;
          throw error;
        },
      ),
    ),
  );
}

const tally = (results: (RequestFailed | 'ok')[]) => {
  const counts: Record<string, number> = {};
  for (const result of results) counts[code(result)] = (counts[code(result)] ?? 0) + 1;
  return counts;
};

test('60 wrong logins sent at once for one account: only the limit (10) reach argon2, one at a time', async () => {
  const { url } = await start();
  (await userClient(url, 'alice', PASSWORD)).close();
  const argon = watchArgon2();
  const results = await burst(url, Array.from({ length: 60 }, (_, i) => ({ type: 'login', username: 'alice', password: `wrong ${i}` })), 10);
  expect(tally(results)).toEqual({ AUTH_FAILED: 10, RATE_LIMITED: 50 });
  expect(argon.verified).toHaveLength(10);
  expect(argon.peak.verify).toBe(1);
});

test('80 usernames tried at once from one address: only the address limit (30) reach argon2', async () => {
  const { url } = await start();
  const argon = watchArgon2();
  const results = await burst(url, Array.from({ length: 80 }, (_, i) => ({ type: 'login', username: `user${i}`, password: 'wrong password' })), 20);
  expect(tally(results)).toEqual({ AUTH_FAILED: 30, RATE_LIMITED: 50 });
  expect(argon.verified).toHaveLength(30);
  expect(argon.peak.verify).toBe(1);
});

test('the right password at position 250 of 300 guesses sent at once does not get in', async () => {
  const { url } = await start();
  (await userClient(url, 'alice', PASSWORD)).close();
  const argon = watchArgon2();
  const guesses = Array.from({ length: 300 }, (_, i) => ({ type: 'login' as const, username: 'alice', password: i === 249 ? PASSWORD : `guess ${i}` }));
  const results = await burst(url, guesses, 30);
  expect(code(results[249]!)).toBe('RATE_LIMITED');
  expect(tally(results)).toEqual({ AUTH_FAILED: 10, RATE_LIMITED: 290 });
  expect(argon.verified).not.toContain(PASSWORD);
});

test('80 registrations sent at once from one address: only the limit (10) are hashed, one at a time', async () => {
  // One registration per socket (a registered connection is logged in), so 80 sockets from one address.
  server = await startServer({ config: { rateLimits: DEFAULT_RATE_LIMITS, maxConnectionsPerAddress: 0 } });
  const argon = watchArgon2();
  const results = await burst(server.url, Array.from({ length: 80 }, (_, i) => ({ type: 'register', username: `new${i}`, password: PASSWORD })), 1);
  expect(tally(results)).toEqual({ ok: 10, RATE_LIMITED: 70 });
  expect(argon.hashes).toBe(10);
  expect(argon.peak.hash).toBe(1);
});

test('wrong current passwords in changePassword sent at once: only the account limit reach argon2', async () => {
  const { url } = await start();
  const alice = await userClient(url, 'alice', PASSWORD);
  clients.push(alice);
  const argon = watchArgon2();
  const results = await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      alice.request('changePassword', { type: 'changePassword', password: `wrong ${i}`, newPassword: 'a new password' }).then(
        () => 'ok' as const,
        (error: RequestFailed) => error,
      ),
    ),
  );
  expect(tally(results)).toEqual({ AUTH_FAILED: 10, RATE_LIMITED: 20 });
  expect(argon.verified).toHaveLength(10);
});

test("a flood of logins from one address does not hold back another user's login: at most the hash slots run ahead of it", async () => {
  const { url } = await start({}, true);
  (await userClient(url, 'bob', PASSWORD)).close();
  const argon = watchArgon2();
  const flood = burst(url, Array.from({ length: 200 }, (_, i) => ({ type: 'login', username: `user${i}`, password: 'flood password' })), 200, '203.0.113.1');
  // Bob's login goes out once the flood's frames have all reached the server.
  await vi.waitFor(() => expect(argon.verified.length).toBeGreaterThan(0));
  expect(code(await login(url, 'bob', PASSWORD, '203.0.113.2'))).toBe('ok');
  const ahead = argon.verified.indexOf(PASSWORD);
  // Verifications that started before bob's: the flood runs one at a time per address, so bob waits for at most the 4 slots.
  expect(ahead).toBeLessThanOrEqual(4);
  expect(tally(await flood)).toEqual({ AUTH_FAILED: 30, RATE_LIMITED: 170 });
});

test('with rate limits off, the hash queue is still bounded: past it SERVER_BUSY with a retry-after in words', async () => {
  server = await startServer({ config: { rateLimits: false } });
  const argon = watchArgon2();
  const results = await burst(server.url, Array.from({ length: 200 }, (_, i) => ({ type: 'login', username: `user${i}`, password: 'flood password' })), 200);
  const counts = tally(results);
  expect(counts.SERVER_BUSY).toBeGreaterThan(0);
  // At most 4 running and 64 waiting at any moment; the rest were refused without hashing.
  expect(argon.verified.length).toBe(counts.AUTH_FAILED);
  expect(argon.peak.verify).toBeLessThanOrEqual(4);
  const busy = results.find((r) => code(r) === 'SERVER_BUSY') as RequestFailed;
  expect(busy.reply.retryAfterMs).toBeGreaterThan(0);
  expect(busy.reply.message).toMatch(/The server is busy checking other people's passwords\. Try again in \d+ second\(s\)\./);
});

test('prelogin is limited per address (60 a minute by default); another address is not held back', async () => {
  const { url } = await start({}, true);
  const results = await burst(url, Array.from({ length: 61 }, (_, i) => ({ type: 'prelogin', username: `user${i}` })), 61, '203.0.113.1');
  expect(tally(results)).toEqual({ ok: 60, RATE_LIMITED: 1 });
  const limited = results[60] as RequestFailed;
  expect(limited.reply.retryAfterMs).toBeGreaterThan(0);
  expect(limited.reply.retryAfterMs).toBeLessThanOrEqual(60_000);
  expect(limited.reply.message).toMatch(/Too many sign-in lookups from your address/);
  const other = await connect(url, '203.0.113.2');
  await expect(other.request('prelogin', { type: 'prelogin', username: 'user0' })).resolves.toHaveProperty('salt');
});

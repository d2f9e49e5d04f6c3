// The Redis side of presence across nodes, without server processes: the Lua scripts against the test Redis (each test
// its own key prefix, deleted after it), and a RedisHub whose Redis goes away: it keeps telling its own users.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, test } from 'vitest';
import { ClusterPresence } from '../../src/server/cluster/presence.js';
import { RedisHub } from '../../src/server/cluster/redis-hub.js';
import type { HubClient } from '../../src/server/hub.js';
import { servicesMissing, TEST_REDIS_URL } from '../helpers/services.js';
import { waitFor } from '../helpers/wait.js';

const skipped = await servicesMissing({ redis: true });

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A Redis connection and a key prefix of this test's own; the keys under it are deleted after the test. */
async function redisWithPrefix(): Promise<{ redis: Redis; prefix: string }> {
  const redis = new Redis(TEST_REDIS_URL);
  const prefix = `parley-test:${randomBytes(6).toString('hex')}:`;
  cleanups.push(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });
  return { redis, prefix };
}

const alice = { userId: 1, username: 'alice' };
const bob = { userId: 2, username: 'bob' };
const carol = { userId: 3, username: 'carol' };

describe.skipIf(skipped !== null)(skipped === null ? 'presence in Redis' : `presence in Redis (${skipped})`, () => {
  test('a user comes online with their first session on any node and goes offline with their last', async () => {
    const { redis, prefix } = await redisWithPrefix();
    const [n1, n2] = [new ClusterPresence(redis, prefix, 'aa01'), new ClusterPresence(redis, prefix, 'bb02')];
    expect(await n1.set(alice, new Map([[10, 1]]))).toEqual({ cameOnline: true, wentOffline: false });
    expect(await n2.set(alice, new Map([[11, 1]]))).toEqual({ cameOnline: false, wentOffline: false });
    // A second connection of one session, then one of them gone: counts, not steps.
    expect(await n2.set(alice, new Map([[11, 2]]))).toEqual({ cameOnline: false, wentOffline: false });
    expect(await n2.set(alice, new Map([[11, 1]]))).toEqual({ cameOnline: false, wentOffline: false });
    expect(await n1.sessions(alice.userId)).toEqual(new Set([10, 11]));
    // A node records all of a user's sessions at once: one missing from its map is one no longer connected there.
    await n1.set(alice, new Map([[10, 1], [12, 1]]));
    expect(await n2.sessions(alice.userId)).toEqual(new Set([10, 11, 12]));
    expect(await n1.recordedUsers()).toEqual([alice]);
    await n1.set(alice, new Map([[10, 1]]));
    expect(await n2.sessions(alice.userId)).toEqual(new Set([10, 11]));
    expect(await n2.isOnline(alice.userId)).toBe(true);
    expect(await n2.onlineNames([alice.userId, bob.userId])).toEqual(['alice']);

    expect(await n1.set(alice, new Map())).toEqual({ cameOnline: false, wentOffline: false });
    expect(await n2.set(alice, new Map())).toEqual({ cameOnline: false, wentOffline: true });
    expect(await n1.isOnline(alice.userId)).toBe(false);
    expect(await n1.page({ limit: 10 })).toEqual({ users: [], total: 0 });
    // Nothing is left behind: no presence hash, no node-users entries, no name.
    expect(await redis.keys(`${prefix}*`)).toEqual([]);
  });

  test('a lapsed node is cleared once, by one of the nodes sweeping; a live one is never cleared', async () => {
    const { redis, prefix } = await redisWithPrefix();
    const [n1, n2, n3] = ['aa01', 'bb02', 'cc03'].map((id) => new ClusterPresence(redis, prefix, id)) as [ClusterPresence, ClusterPresence, ClusterPresence];
    for (const node of [n1, n2, n3]) expect(await node.heartbeat()).toBe(true);
    expect(await n2.heartbeat()).toBe(false);
    await n1.set(alice, new Map([[10, 1]]));
    await n1.set(bob, new Map([[20, 1]]));
    await n2.set(bob, new Map([[21, 1]]));
    expect(await n2.sweep('aa01')).toEqual([]);
    expect(await n2.deadNodes()).toEqual([]);

    await redis.del(`${prefix}node:aa01`);
    expect(await n2.deadNodes()).toEqual(['aa01']);
    const [first, second] = await Promise.all([n2.sweep('aa01'), n3.sweep('aa01')]);
    expect([first, second].sort((x, y) => y.length - x.length)).toEqual([[{ userId: 1, username: 'alice' }], []]);
    expect(await n3.isOnline(alice.userId)).toBe(false);
    expect(await n3.sessions(bob.userId)).toEqual(new Set([21]));
    expect(await n3.deadNodes()).toEqual([]);
    // The swept node was alive after all: its next beat says so, and it records its connections again.
    expect(await n1.heartbeat()).toBe(true);
    expect(await n1.set(alice, new Map([[10, 1]]))).toEqual({ cameOnline: true, wentOffline: false });

    expect(await n2.leave()).toEqual([{ userId: 2, username: 'bob' }]);
    expect(await n3.sessions(bob.userId)).toEqual(new Set());
    expect(await n3.isOnline(bob.userId)).toBe(false);
  });

  test('two nodes sweeping a dead node with many users at once report each user once, batch by batch', async () => {
    const { redis, prefix } = await redisWithPrefix();
    const [dead, n2, n3] = ['dd01', 'bb02', 'cc03'].map((id) => new ClusterPresence(redis, prefix, id)) as [ClusterPresence, ClusterPresence, ClusterPresence];
    await dead.heartbeat();
    const users = Array.from({ length: 1_200 }, (_, i) => ({ userId: i + 1, username: `u${i}` }));
    await Promise.all(users.map((user) => dead.set(user, new Map([[user.userId, 1]]))));
    await redis.del(`${prefix}node:dd01`);
    const [first, second] = await Promise.all([n2.sweep('dd01'), n3.sweep('dd01')]);
    const reported = [...first, ...second].map((user) => user.userId).sort((x, y) => x - y);
    expect(reported).toEqual(users.map((user) => user.userId));
    expect(await n2.page({ limit: 1 })).toEqual({ users: [], total: 0 });
    expect(await redis.keys(`${prefix}*`)).toEqual([]);
  });

  test('pages of the online names, with and without a case-sensitive search, as the in-process hub gives them', async () => {
    const { redis, prefix } = await redisWithPrefix();
    const node = new ClusterPresence(redis, prefix, 'aa01');
    const names = ['ann', 'Anna', 'bea', 'dan', 'hannah', 'zed', 'a.n-n_x'];
    for (const [i, username] of names.entries()) await node.set({ userId: i + 1, username }, new Map([[1, 1]]));
    expect(await node.page({ limit: 3 })).toEqual({ users: ['Anna', 'a.n-n_x', 'ann'], next: 'ann', total: 7 });
    expect(await node.page({ limit: 3, after: 'ann' })).toEqual({ users: ['bea', 'dan', 'hannah'], next: 'hannah', total: 7 });
    expect(await node.page({ limit: 3, after: 'hannah' })).toEqual({ users: ['zed'], total: 7 });
    expect(await node.page({ query: 'an', limit: 2 })).toEqual({ users: ['ann', 'dan'], next: 'dan', total: 3 });
    expect(await node.page({ query: 'an', limit: 2, after: 'dan' })).toEqual({ users: ['hannah'], total: 3 });
    expect(await node.page({ query: 'An', limit: 5 })).toEqual({ users: ['Anna'], total: 1 });
    expect(await node.page({ query: 'n-n_', limit: 5 })).toEqual({ users: ['a.n-n_x'], total: 1 });
  });

  test('a RedisHub whose Redis goes away keeps telling its own users, and tells Redis what it missed once it is back', { timeout: 30_000 }, async () => {
    const { redis, prefix } = await redisWithPrefix();
    const proxy = await redisProxy();
    const errors: unknown[] = [];
    const contacts = new Map([
      [alice.userId, [bob.userId]],
      [bob.userId, [alice.userId]],
    ]);
    const hub = await RedisHub.connect({
      url: proxy.url,
      prefix,
      loadContacts: async (userId) => contacts.get(userId) ?? [],
      liveSessions: async () => new Set(),
      onError: (error) => errors.push(error),
    });
    cleanups.push(() => hub.close());
    const view = new ClusterPresence(redis, prefix, 'ffff');
    const carolClient = fakeClient(carol, 30);
    hub.add(carolClient);
    await waitFor(() => view.isOnline(carol.userId), { what: 'carol recorded in Redis' });

    proxy.stop();
    const bobClient = fakeClient(bob, 20);
    const aliceClient = fakeClient(alice, 10);
    hub.add(bobClient);
    hub.add(aliceClient);
    // Without Redis a node may say "online" twice (its announcement and its hand-over race): the last word counts.
    const last = (client: ReturnType<typeof fakeClient>, username: string) => client.presence(username).at(-1);
    await waitFor(() => last(bobClient, 'alice') === true && last(aliceClient, 'bob') === true, { what: 'presence without Redis' });
    expect(await hub.isOnline(bob.userId)).toBe(true);
    expect(await hub.onlinePage({ limit: 10 })).toEqual({ users: ['alice', 'bob', 'carol'], total: 3 });
    hub.remove(aliceClient);
    hub.remove(carolClient);
    await waitFor(() => last(bobClient, 'alice') === false, { what: 'alice offline without Redis' });
    expect(errors.length).toBeGreaterThan(0);

    await proxy.start();
    await waitFor(async () => (await view.page({ limit: 10 })).users.join() === 'bob', { timeoutMs: 15_000, what: 'Redis told of the changes it missed' });
    expect(await view.sessions(bob.userId)).toEqual(new Set([20]));
  });
});

/** A client of the hub that keeps the presence frames it is handed. */
function fakeClient(user: { userId: number; username: string }, sessionId: number): HubClient & { presence(username: string): boolean[] } {
  const frames: { type: string; username?: string; online?: boolean }[] = [];
  return {
    ...user,
    sessionId,
    send: (frame) => frames.push(JSON.parse(frame) as (typeof frames)[number]),
    close: () => undefined,
    presence: (username) => frames.flatMap((f) => (f.type === 'presence' && f.username === username ? [f.online!] : [])),
  };
}

/** A TCP proxy to the test Redis on 127.0.0.1: stop() cuts every connection and refuses new ones until start(). */
async function redisProxy(): Promise<{ url: string; stop(): void; start(): Promise<void> }> {
  const target = new URL(TEST_REDIS_URL);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 6379), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
  });
  const listen = (port: number) => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  await listen(0);
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    stop() {
      server.close();
      for (const socket of sockets) socket.destroy();
    },
    start: () => listen(port),
  };
}

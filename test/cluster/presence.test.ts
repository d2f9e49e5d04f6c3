// Presence across nodes: real `parley server` processes on one PostgreSQL and one Redis (each test its own database, so
// its own Redis key prefix). A contact connected to another node is online, a user with a device left on any node stays
// online, a SIGKILLed node's users go offline within about 20 s, and `online` and `lookup` answer alike on every node.
import { afterEach, describe, expect, test } from 'vitest';
import { type TestClient, userClient } from '../helpers/client.js';
import { spawnServer, type SpawnedServer } from '../helpers/server.js';
import { createTestDatabase, servicesMissing, TEST_REDIS_URL } from '../helpers/services.js';

const skipped = await servicesMissing({ postgres: true, redis: true });

let nodes: SpawnedServer[] = [];
let clients: TestClient[] = [];
let dropDatabase: (() => Promise<void>) | undefined;

afterEach(async () => {
  for (const client of clients) client.close();
  await Promise.all(nodes.map((node) => node.kill('SIGKILL')));
  await dropDatabase?.();
  [nodes, clients, dropDatabase] = [[], [], undefined];
});

/** `count` nodes on one new database and the test Redis, started one after another. */
async function startNodes(count: number): Promise<SpawnedServer[]> {
  const { url, drop } = await createTestDatabase();
  dropDatabase = drop;
  const args = ['--database', url, '--redis', TEST_REDIS_URL, '--allow-unencrypted', '--message-rate', '0'];
  for (let i = 0; i < count; i++) nodes.push(await spawnServer({ bundled: true, args }));
  return nodes;
}

async function user(node: SpawnedServer, name: string): Promise<TestClient> {
  const client = await userClient(node.url, name);
  clients.push(client);
  return client;
}

/** Two nodes: `name` on A and bob on B, who share a conversation and have seen each other come online. */
async function pairAcrossNodes(name: string): Promise<{ a: SpawnedServer; b: SpawnedServer; them: TestClient; bob: TestClient }> {
  const [a, b] = await startNodes(2);
  const them = await user(a!, name);
  const bob = await user(b!, 'bob');
  await them.request('open', { type: 'open', with: 'bob' });
  expect(await nthPresence(bob, name, 1)).toBe(true);
  expect(await nthPresence(them, 'bob', 1)).toBe(true);
  return { a: a!, b: b!, them, bob };
}

/** The presence events `client` was handed about `username`, oldest first, as online flags. */
const presenceOf = (client: TestClient, username: string) => client.events.flatMap((e) => (e.type === 'presence' && e.username === username ? [e.online] : []));

/** Waits until `client` has been handed `count` presence events about `username`; returns the last one's flag. */
async function nthPresence(client: TestClient, username: string, count: number, timeoutMs = 5_000): Promise<boolean> {
  await client.waitFor(() => presenceOf(client, username).length >= count, timeoutMs);
  return presenceOf(client, username)[count - 1]!;
}

/** A round trip to each node a client is on, then a pause for notes between nodes still on their way. */
async function settle(...on: TestClient[]): Promise<void> {
  await Promise.all(on.map((c) => c.request('online', { type: 'online', limit: 1 })));
  await new Promise((resolve) => setTimeout(resolve, 500));
}

describe.skipIf(skipped !== null)(skipped === null ? 'presence across nodes' : `presence across nodes (${skipped})`, () => {
  test('alice on A and bob on B see each other online, and see each other come and go', async () => {
    const { a, b, them: alice, bob } = await pairAcrossNodes('alice');
    bob.close();
    expect(await nthPresence(alice, 'bob', 2)).toBe(false);
    // bob back on B: alice hears it, and his new connection is handed alice's presence from node A.
    const bobAgain = await user(b, 'bob');
    expect(await nthPresence(alice, 'bob', 3)).toBe(true);
    expect(await nthPresence(bobAgain, 'alice', 1)).toBe(true);
    // Now bob on A and alice on B: each node hands its user the presence of a contact connected to the other.
    bobAgain.close();
    expect(await nthPresence(alice, 'bob', 4)).toBe(false);
    alice.close();
    const bobOnA = await user(a, 'bob');
    await settle(bobOnA);
    const aliceOnB = await user(b, 'alice');
    expect(await nthPresence(aliceOnB, 'bob', 1)).toBe(true);
    expect(await nthPresence(bobOnA, 'alice', 1)).toBe(true);
    await settle(aliceOnB, bobOnA);
    expect(presenceOf(bobOnA, 'alice')).toEqual([true]);
    expect(presenceOf(aliceOnB, 'bob')).toEqual([true]);
  }, 60_000);

  test("alice's second device on B keeps her online when her connection to A closes: bob hears nothing until both are gone", async () => {
    const { b, them: alice, bob } = await pairAcrossNodes('alice');
    const aliceOnB = await user(b, 'alice');
    expect(await nthPresence(aliceOnB, 'bob', 1)).toBe(true);
    alice.close();
    await settle(bob, aliceOnB);
    expect(presenceOf(bob, 'alice')).toEqual([true]);
    expect((await bob.request('lookup', { type: 'lookup', username: 'alice' })).online).toBe(true);
    aliceOnB.close();
    expect(await nthPresence(bob, 'alice', 2)).toBe(false);
    expect((await bob.request('lookup', { type: 'lookup', username: 'alice' })).online).toBe(false);
  }, 60_000);

  test('a SIGKILLed node: its users go offline for their contacts on the other nodes within about 20 s', async () => {
    const { a, bob } = await pairAcrossNodes('carol');
    const killedAt = Date.now();
    await a.kill('SIGKILL');
    expect(await nthPresence(bob, 'carol', 2, 25_000)).toBe(false);
    expect(Date.now() - killedAt).toBeLessThan(25_000);
    expect((await bob.request('lookup', { type: 'lookup', username: 'carol' })).online).toBe(false);
    expect(await bob.request('online', { type: 'online' })).toEqual({ users: ['bob'], total: 1 });
  }, 60_000);

  test('a node stopped with SIGTERM tells its users\' contacts on the other nodes at once, and leaves nothing behind', async () => {
    const { a, bob } = await pairAcrossNodes('carol');
    await a.kill('SIGTERM');
    expect(await nthPresence(bob, 'carol', 2, 5_000)).toBe(false);
    expect(await bob.request('online', { type: 'online' })).toEqual({ users: ['bob'], total: 1 });
  }, 60_000);

  test('`online` pages and `lookup` give the same answer on every node', async () => {
    const three = await startNodes(3);
    const names = ['ann', 'anna', 'bea', 'dan', 'hannah', 'zed'];
    const on = await Promise.all(names.map((name, i) => user(three[i % 3]!, name)));
    await settle(...on);
    for (const me of on.slice(0, 3)) {
      const first = await me.request('online', { type: 'online', limit: 4 });
      expect(first).toEqual({ users: ['ann', 'anna', 'bea', 'dan'], next: 'dan', total: 6 });
      expect(await me.request('online', { type: 'online', limit: 4, after: first.next })).toEqual({ users: ['hannah', 'zed'], total: 6 });
      const search = await me.request('online', { type: 'online', query: 'an', limit: 2 });
      expect(search).toEqual({ users: ['ann', 'anna'], next: 'anna', total: 4 });
      expect(await me.request('online', { type: 'online', query: 'an', limit: 2, after: search.next })).toEqual({ users: ['dan', 'hannah'], total: 4 });
      expect(await me.request('online', { type: 'online', query: 'An' })).toEqual({ users: [], total: 0 });
      expect((await me.request('online', { type: 'online', after: 'c' })).users).toEqual(['dan', 'hannah', 'zed']);
      for (const name of names) expect((await me.request('lookup', { type: 'lookup', username: name })).online).toBe(true);
    }
    // zed leaves node C: gone from every node's list and lookup.
    on[5]!.close();
    await settle(...on.slice(0, 3));
    for (const me of on.slice(0, 3)) {
      expect(await me.request('online', { type: 'online', after: 'dan' })).toEqual({ users: ['hannah'], total: 5 });
      expect((await me.request('lookup', { type: 'lookup', username: 'zed' })).online).toBe(false);
    }
  }, 60_000);

  test("the session list shows a user's devices connected to other nodes as connected", async () => {
    const [a, b] = await startNodes(2);
    const alice = await user(a!, 'alice');
    const aliceOnB = await user(b!, 'alice');
    await settle(alice, aliceOnB);
    for (const me of [alice, aliceOnB]) {
      const { sessions } = await me.request('sessions', { type: 'sessions' });
      expect(sessions).toHaveLength(2);
      expect(sessions.every((s) => s.connected)).toBe(true);
    }
  }, 60_000);
});

// Presence reaches contacts only (users who share a conversation), and the active users are a paged, searchable request.
import { describe, expect, onTestFinished, test } from 'vitest';
import { mapLimit } from '../../bench/accounts.js';
import type { ServerConfig } from '../../src/server/config.js';
import { type RequestFailed, TestClient, userClient } from '../helpers/client.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
const clients: TestClient[] = [];
/** Each test starts its own server; it and the test's clients are gone when the test finishes. */
async function serve(config: Partial<ServerConfig> = {}): Promise<void> {
  const started = (server = await startServer({ config }));
  onTestFinished(async () => {
    for (const c of clients.splice(0)) c.close();
    await started.close();
  });
}
const user = async (name: string) => {
  const c = await userClient(server.url, name);
  clients.push(c);
  return c;
};
const open = (c: TestClient, peer: string) => c.request('open', { type: 'open', with: peer });
const presenceOf = (c: TestClient, username: string) => c.events.filter((e) => e.type === 'presence' && e.username === username);
/** A round trip: every frame the server queued for this connection before it is in by the time it resolves. */
const settle = (c: TestClient) => c.request('online', { type: 'online', limit: 1 });
const failure = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as RequestFailed);

describe('presence goes to contacts only', () => {
  test('a contact sees you come and go; someone who shares no conversation with you gets nothing', async () => {
    await serve();
    const alice = await user('alice');
    const bob = await user('bob');
    await open(alice, 'bob');
    const stranger = await user('stranger');
    bob.close();
    await alice.event('presence', (e) => e.username === 'bob' && !e.online);
    const bob2 = await user('bob');
    await alice.event('presence', (e) => e.username === 'bob' && e.online && presenceOf(alice, 'bob').length === 3);
    await settle(stranger);
    await settle(bob2);
    expect(stranger.events.filter((e) => e.type === 'presence')).toEqual([]);
    // bob's new connection is told which of his contacts are online, and nobody else.
    expect(bob2.events.filter((e) => e.type === 'presence')).toEqual([{ type: 'presence', username: 'alice', online: true }]);
  });

  test('opening a conversation makes two connected users see each other at once, both ways', async () => {
    await serve();
    const alice = await user('alice');
    const bob = await user('bob');
    await settle(alice);
    expect(presenceOf(alice, 'bob')).toEqual([]);
    await open(alice, 'bob');
    await alice.event('presence', (e) => e.username === 'bob' && e.online);
    await bob.event('presence', (e) => e.username === 'alice' && e.online);
    bob.close();
    await alice.event('presence', (e) => e.username === 'bob' && !e.online);
  });

  test('a first message (which creates the conversation) links the two as well', async () => {
    await serve();
    const alice = await user('alice');
    const bob = await user('bob');
    await alice.request('send', { type: 'send', to: 'bob', clientMsgId: 'm1', body: 'hi' });
    await alice.event('presence', (e) => e.username === 'bob' && e.online);
    await bob.event('presence', (e) => e.username === 'alice' && e.online);
  });

  test('50 users connecting send no presence frame to 50 users they share no conversation with', { timeout: 60_000 }, async () => {
    await serve({ maxConnectionsPerAddress: 200 });
    const names = (prefix: string) => Array.from({ length: 50 }, (_, i) => `${prefix}${i}`);
    // Pairs of contacts among the arrivals: each gets exactly its partner's presence.
    const register = async (name: string) => userClient(server.url, name);
    const bystanders = await mapLimit(names('watcher'), 8, register);
    clients.push(...bystanders);
    const registered = await mapLimit(names('arrival'), 8, register);
    for (const [i, c] of registered.entries()) if (i % 2 === 1) await open(c, `arrival${i - 1}`);
    for (const c of registered) c.close();
    const tokens = registered.map((c) => c.token);
    const arrivals = await mapLimit(tokens, 8, async (token) => {
      const c = await TestClient.connect(server.url);
      await c.request('resume', { type: 'resume', token });
      return c;
    });
    clients.push(...arrivals);
    await Promise.all([...bystanders, ...arrivals].map(settle));
    const presenceFrames = bystanders.reduce((sum, c) => sum + c.events.filter((e) => e.type === 'presence').length, 0);
    expect(presenceFrames).toBe(0);
    for (const [i, c] of arrivals.entries()) {
      await c.event('presence', (e) => e.username === `arrival${i ^ 1}` && e.online);
      expect(c.events.filter((e) => e.type === 'presence').every((e) => e.username === `arrival${i ^ 1}`)).toBe(true);
    }
  });
});

describe('the active users, paged and searchable', () => {
  test('old clients asking with no options get the first page, themselves included, sorted case sensitively', async () => {
    await serve();
    const bob = await user('bob');
    await user('Alice');
    await user('alice');
    expect(await bob.request('online', { type: 'online' })).toEqual({ users: ['Alice', 'alice', 'bob'], total: 3 });
  });

  test('pages follow one another with the next cursor, and a query matches part of a name', async () => {
    await serve();
    const names = ['ann', 'anna', 'bea', 'dan', 'hannah', 'zed'];
    const [me] = await Promise.all(names.map(user));
    const first = await me!.request('online', { type: 'online', limit: 4 });
    expect(first).toEqual({ users: ['ann', 'anna', 'bea', 'dan'], next: 'dan', total: 6 });
    expect(await me!.request('online', { type: 'online', limit: 4, after: first.next })).toEqual({ users: ['hannah', 'zed'], total: 6 });
    const search = await me!.request('online', { type: 'online', query: 'an', limit: 2 });
    expect(search).toEqual({ users: ['ann', 'anna'], next: 'anna', total: 4 });
    expect(await me!.request('online', { type: 'online', query: 'an', limit: 2, after: search.next })).toEqual({ users: ['dan', 'hannah'], total: 4 });
    expect(await me!.request('online', { type: 'online', query: 'An' })).toEqual({ users: [], total: 0 });
    // A cursor that is nobody's name still pages from where it would sort.
    expect((await me!.request('online', { type: 'online', after: 'c' })).users).toEqual(['dan', 'hannah', 'zed']);
  });

  test('bad paging options get INVALID_FRAME with a plain reason, and the server keeps answering', async () => {
    await serve();
    const me = await user('me');
    for (const [body, reason] of [
      [{ limit: 0 }, /limit/],
      [{ limit: 501 }, /limit/],
      [{ limit: 2.5 }, /limit/],
      [{ query: '' }, /search/],
      [{ query: 'a b' }, /search/],
      [{ after: 'x'.repeat(40) }, /username/i],
      [{ extra: 1 }, /extra/],
    ] as const) {
      const error = await failure(me.request('online', { type: 'online', ...(body as object) }));
      expect(error?.code).toBe('INVALID_FRAME');
      expect(error?.message).toMatch(reason);
    }
    expect((await me.request('online', { type: 'online', limit: 500 })).users).toEqual(['me']);
  });
});

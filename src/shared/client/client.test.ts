// SDK behaviour against an in-memory fake server (the real-server tests live in test/sdk/).
import { afterEach, describe, expect, it } from 'vitest';
import { FakeParley } from '../../../test/helpers/fake-parley.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { ParleyError } from '../errors.js';
import { ParleyClient, type ParleyClientOptions } from './client.js';
import { selectThread } from './merge.js';
import { STORAGE_KEYS, memoryStorage } from './storage.js';

const clients: ParleyClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.exit()));
});

function makeClient(server: FakeParley, options: Partial<ParleyClientOptions> = {}): ParleyClient {
  const client = new ParleyClient({
    url: 'ws://fake/ws',
    WebSocket: server.WebSocket,
    backoff: { baseMs: 20, capMs: 100 },
    requestTimeoutMs: 1_000,
    ...options,
  });
  clients.push(client);
  return client;
}

async function signedUp(server: FakeParley, username: string, options: Partial<ParleyClientOptions> = {}) {
  const client = makeClient(server, options);
  await client.connect();
  await client.register(username, 'password1');
  return client;
}

const sentBodies = (server: FakeParley) =>
  server.received.filter((f) => f.type === 'send').map((f) => [f.clientMsgId, f.body] as const);

describe('ParleyClient', () => {
  it('sends, gets acked, and the peer receives it live', async () => {
    const server = new FakeParley();
    const alice = await signedUp(server, 'alice');
    const bob = await signedUp(server, 'bob');
    const entry = alice.send('bob', 'hi bob');
    expect(selectThread(alice.getSnapshot(), null, 'bob')[0]?.status).toBe('sending');
    const convo = await waitFor(() => alice.getSnapshot().conversations.find((c) => c.kind === 'direct' && c.peer === 'bob'));
    await waitFor(() => alice.getSnapshot().outbox.length === 0);
    expect(selectThread(alice.getSnapshot(), convo.id, 'bob').map((i) => [i.body, i.status])).toEqual([['hi bob', 'sent']]);
    const bobConvo = await waitFor(() => bob.getSnapshot().conversations.find((c) => c.kind === 'direct' && c.peer === 'alice'));
    expect(bobConvo).toMatchObject({ unread: 1, lastMessage: { body: 'hi bob', clientMsgId: entry.clientMsgId } });
    expect(bob.getSnapshot().notices).toMatchObject([{ conversationId: bobConvo.id, from: 'alice' }]);
    await bob.markRead(bobConvo.id);
    await waitFor(() => selectThread(alice.getSnapshot(), convo.id, 'bob')[0]?.status === 'seen');
  });

  it('rejects requests with ParleyError codes', async () => {
    const server = new FakeParley();
    const client = makeClient(server);
    await client.connect();
    await client.register('alice', 'password1');
    const other = makeClient(server);
    await other.connect();
    await expect(other.register('alice', 'password1')).rejects.toMatchObject({ name: 'ParleyError', code: 'USERNAME_TAKEN' });
    await expect(other.login('alice', 'wrong-password')).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    await other.login('alice', 'password1');
    await expect(other.openConversation('nobody')).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
  });

  it('times out a request the server never answers', async () => {
    const server = new FakeParley();
    const client = await signedUp(server, 'alice', { requestTimeoutMs: 100 });
    server.silent.add('lookup');
    const error = await client.lookup('alice').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParleyError);
    expect((error as ParleyError).code).toBe('TIMEOUT');
  });

  it('reports an unreachable server by rejecting connect', async () => {
    const server = new FakeParley();
    server.reachable = false;
    const client = makeClient(server);
    await expect(client.connect()).rejects.toMatchObject({ code: 'DISCONNECTED' });
    expect(client.getSnapshot().connection).toMatchObject({ status: 'closed' });
  });

  it('keeps messages written while offline and sends them once, in order, after reconnecting', async () => {
    const server = new FakeParley();
    const alice = await signedUp(server, 'alice');
    const bob = await signedUp(server, 'bob');
    server.reachable = false;
    server.dropAll();
    await waitFor(() => alice.getSnapshot().connection.status === 'reconnecting');
    const state = alice.getSnapshot().connection;
    expect(state).toMatchObject({ status: 'reconnecting', attempt: 1 });
    alice.send('bob', 'one');
    alice.send('bob', 'two');
    alice.send('bob', 'three');
    expect(alice.getSnapshot().outbox.map((e) => e.status)).toEqual(['sending', 'sending', 'sending']);
    await waitFor(() => {
      const c = alice.getSnapshot().connection;
      return c.status === 'reconnecting' && c.attempt >= 3;
    });
    server.reachable = true;
    await waitFor(() => alice.getSnapshot().outbox.length === 0 && alice.getSnapshot().connection.status === 'online');
    // The server gets envelopes only; the order is checked on bob's side after decryption.
    expect(sentBodies(server).map(([, body]) => String(body).startsWith('p2.'))).toEqual([true, true, true]);
    await waitFor(() => bob.getSnapshot().conversations[0]?.lastSeq === 3);
    const bobConvo = bob.getSnapshot().conversations[0]!;
    await bob.openConversation('alice');
    expect(selectThread(bob.getSnapshot(), bobConvo.id, 'alice').map((i) => i.body)).toEqual(['one', 'two', 'three']);
  });

  it('a conversation list answered before live messages arrived does not hide them after a reconnect', async () => {
    const server = new FakeParley();
    const alice = await signedUp(server, 'alice');
    const bob = await signedUp(server, 'bob');
    alice.send('bob', 'one');
    await waitFor(() => bob.getSnapshot().conversations[0]?.lastSeq === 1);
    // Bob reconnects; the server answers his 'conversations' now, but the answer arrives after two more messages.
    let release: (() => void) | null = null;
    server.intercept.set('conversations', (socket, frame) => {
      server.intercept.delete('conversations');
      const held: unknown[] = [];
      const realPush = socket.push.bind(socket);
      socket.push = (reply) => void held.push(reply);
      server.handle(socket, frame);
      socket.push = realPush;
      release = () => held.forEach((reply) => socket.push(reply));
    });
    [...server.sockets].find((s) => s.user === 'bob')!.close(1006);
    const releaseAnswer = await waitFor(() => release);
    alice.send('bob', 'two');
    alice.send('bob', 'three');
    await waitFor(() => Object.values(bob.getSnapshot().threads)[0]?.messages.length === 3);
    releaseAnswer();
    await waitFor(() => bob.getSnapshot().connection.status === 'online');
    expect(bob.getSnapshot().conversations).toEqual([expect.objectContaining({ lastSeq: 3, unread: 3, lastMessage: expect.objectContaining({ body: 'three' }) })]);
  });

  it('resends with the same clientMsgId when the ack was lost, and shows the message once', async () => {
    const server = new FakeParley();
    const alice = await signedUp(server, 'alice');
    await signedUp(server, 'bob');
    // The server stores the message but the connection dies before the ack leaves.
    server.intercept.set('send', (socket, frame) => {
      server.intercept.delete('send');
      const handle = server.handle.bind(server);
      const realPush = socket.push.bind(socket);
      socket.push = () => undefined;
      handle(socket, frame);
      socket.push = realPush;
      server.dropAll();
    });
    const entry = alice.send('bob', 'only once');
    await waitFor(() => alice.getSnapshot().outbox.length === 0 && alice.getSnapshot().connection.status === 'online');
    const convo = alice.getSnapshot().conversations.find((c) => c.kind === 'direct' && c.peer === 'bob')!;
    const items = selectThread(alice.getSnapshot(), convo.id, 'bob');
    expect(items.map((i) => [i.body, i.seq])).toEqual([['only once', 1]]);
    expect(server.convos[0]?.messages).toHaveLength(1);
    const ids = sentBodies(server).map(([id]) => id);
    expect(new Set(ids)).toEqual(new Set([entry.clientMsgId]));
  });

  it('catches up after a drop: sync brings what arrived meanwhile, nothing twice', async () => {
    const server = new FakeParley();
    const alice = await signedUp(server, 'alice');
    const bob = await signedUp(server, 'bob');
    bob.send('alice', 'before');
    await waitFor(() => alice.getSnapshot().conversations[0]?.lastSeq === 1);
    // Only alice drops; bob keeps writing while she is away.
    const aliceSocket = [...server.sockets].find((s) => s.user === 'alice')!;
    server.reachable = false;
    aliceSocket.close(1006);
    await waitFor(() => alice.getSnapshot().connection.status === 'reconnecting');
    bob.send('alice', 'while away 1');
    bob.send('alice', 'while away 2');
    await waitFor(() => bob.getSnapshot().outbox.length === 0);
    server.reachable = true;
    await waitFor(() => alice.getSnapshot().conversations[0]?.lastSeq === 3);
    const convo = alice.getSnapshot().conversations[0]!;
    expect(convo.unread).toBe(3);
    await alice.openConversation('bob');
    expect(selectThread(alice.getSnapshot(), convo.id, 'bob').map((i) => i.body)).toEqual(['before', 'while away 1', 'while away 2']);
    expect(server.received.filter((f) => f.type === 'resume')).toHaveLength(1);
  });

  it('a live message arriving during catch-up does not make sync skip the backlog', async () => {
    const server = new FakeParley();
    const alice = await signedUp(server, 'alice');
    const bob = await signedUp(server, 'bob');
    bob.send('alice', 'before');
    await waitFor(() => alice.getSnapshot().conversations[0]?.lastSeq === 1);
    const aliceSocket = [...server.sockets].find((s) => s.user === 'alice')!;
    const bobSocket = [...server.sockets].find((s) => s.user === 'bob')!;
    server.reachable = false;
    aliceSocket.close(1006);
    await waitFor(() => alice.getSnapshot().connection.status === 'reconnecting');
    for (const body of ['away 1', 'away 2', 'away 3']) bob.send('alice', body);
    await waitFor(() => bob.getSnapshot().outbox.length === 0);
    // Alice's catch-up is answered one message a page, and a live message overtakes her first page.
    const syncAfter: number[] = [];
    const pagedSync = (socket: Parameters<FakeParley['handle']>[0], frame: Parameters<FakeParley['handle']>[1]) => {
      syncAfter.push(Number(frame.after));
      if (syncAfter.length === 1) server.handle(bobSocket, { type: 'send', id: 9_999, to: 'alice', clientMsgId: 'live-1', body: 'live' });
      server.intercept.delete('sync');
      server.handle(socket, { ...frame, limit: 1 });
      server.intercept.set('sync', pagedSync);
    };
    server.intercept.set('sync', pagedSync);
    server.reachable = true;
    await waitFor(() => alice.getSnapshot().connection.status === 'online');
    const convo = await waitFor(() => alice.getSnapshot().conversations.find((c) => c.lastSeq === 5));
    await waitFor(() => selectThread(alice.getSnapshot(), convo.id, 'bob').length === 5);
    // The injected live frame carries plain text, which is never shown as text: it is flagged 'not-encrypted'.
    expect(selectThread(alice.getSnapshot(), convo.id, 'bob').map((i) => i.failure?.reason ?? i.body)).toEqual([
      'before',
      'away 1',
      'away 2',
      'away 3',
      'not-encrypted',
    ]);
    expect(syncAfter).toEqual([...syncAfter].sort((a, b) => a - b));
  });

  it('keeps the outbox in storage, so a restarted client sends what the last one could not', async () => {
    const server = new FakeParley();
    await signedUp(server, 'bob');
    const storage = memoryStorage();
    const first = await signedUp(server, 'alice', { storage, keyStorage: storage });
    expect(storage.getItem(STORAGE_KEYS.token)).toBeTruthy();
    server.silent.add('send');
    const entry = first.send('bob', 'survives a restart');
    await waitFor(() => server.received.some((f) => f.type === 'send'));
    await first.exit();
    expect(storage.getItem(STORAGE_KEYS.outbox('alice'))).toContain(entry.clientMsgId);
    server.silent.delete('send');

    const second = makeClient(server, { storage, keyStorage: storage });
    await second.connect();
    expect(second.getSnapshot().session?.username).toBe('alice');
    await waitFor(() => second.getSnapshot().outbox.length === 0);
    expect(storage.getItem(STORAGE_KEYS.outbox('alice'))).toBeNull();
    expect(server.convos[0]?.messages.map((m) => m.clientMsgId)).toEqual([entry.clientMsgId]);
  });

  it('treats a send left unanswered as a dead link: reconnects and sends it again, stored once', async () => {
    const server = new FakeParley();
    await signedUp(server, 'bob');
    const alice = await signedUp(server, 'alice', { requestTimeoutMs: 200 });
    server.silent.add('send');
    const entry = alice.send('bob', 'into the void?');
    await waitFor(() => server.received.some((f) => f.type === 'send'));
    server.silent.delete('send');
    await waitFor(() => alice.getSnapshot().outbox.length === 0);
    expect(server.received.filter((f) => f.type === 'resume')).toHaveLength(1);
    expect(server.convos[0]?.messages.map((m) => m.clientMsgId)).toEqual([entry.clientMsgId]);
  });

  it('marks a send failed only for permanent errors', async () => {
    const server = new FakeParley();
    const alice = await signedUp(server, 'alice');
    alice.send('ghost', 'to nobody');
    await waitFor(() => alice.getSnapshot().outbox[0]?.status === 'failed');
    expect(alice.getSnapshot().outbox[0]?.error?.code).toBe('USER_NOT_FOUND');
    alice.discard(alice.getSnapshot().outbox[0]!.clientMsgId);
    expect(alice.getSnapshot().outbox).toEqual([]);
    expect(() => alice.send('bob', 'x'.repeat(16_001))).toThrow(ParleyError);
  });

  it('shows typing indicators that expire, and throttles its own', async () => {
    const server = new FakeParley();
    const alice = await signedUp(server, 'alice', { typingTtlMs: 100 });
    const bob = await signedUp(server, 'bob');
    const convo = await bob.openConversation('alice');
    bob.typing(convo.id);
    bob.typing(convo.id);
    await waitFor(() => alice.getSnapshot().typing[convo.id]?.includes('bob'));
    expect(server.received.filter((f) => f.type === 'typing')).toHaveLength(1);
    await waitFor(() => alice.getSnapshot().typing[convo.id] === undefined, { timeoutMs: 2_000 });
  });

  it('resumes with a stored token at connect, and forgets a dead one', async () => {
    const server = new FakeParley();
    const storage = memoryStorage();
    await signedUp(server, 'alice', { storage });
    const again = makeClient(server, { storage });
    await again.connect();
    expect(again.getSnapshot().session?.username).toBe('alice');
    server.tokens.clear();
    const third = makeClient(server, { storage });
    await third.connect();
    expect(third.getSnapshot().session).toBeNull();
    expect(storage.getItem(STORAGE_KEYS.token)).toBeNull();
  });

  it('accepts a session authenticated during the upgrade (web cookie) without a token', async () => {
    const server = new FakeParley();
    await signedUp(server, 'alice');
    server.intercept.set('hello', (socket, frame) => {
      socket.user = 'alice';
      socket.push({
        type: 'ok',
        id: frame.id,
        result: { version: 1, server: 'fake', limits: { maxFrameBytes: 1, bodyMaxLength: 100, passwordMinLength: 8 }, session: { username: 'alice', sessionId: 7 } },
      });
    });
    const web = makeClient(server, { rememberToken: false });
    await web.connect();
    expect(web.getSnapshot().session).toEqual({ username: 'alice', sessionId: 7 });
    expect(server.received.filter((f) => f.type === 'resume')).toHaveLength(0);
    expect(web.getSnapshot().limits.bodyMaxLength).toBe(100);
  });

  it('says bye on exit and does not reconnect', async () => {
    const server = new FakeParley();
    const alice = await signedUp(server, 'alice');
    await alice.exit();
    expect(server.received.at(-1)?.type).toBe('bye');
    expect(alice.getSnapshot().connection).toEqual({ status: 'closed', reason: null });
    await new Promise((r) => setTimeout(r, 100));
    expect(server.received.filter((f) => f.type === 'hello')).toHaveLength(1);
  });

  it('spreads the first reconnect after a server restart: a random wait of half the base or more, never at once', async () => {
    const server = new FakeParley();
    const draws = [0, 0.25, 0.5, 0.75];
    // A long base, so nobody comes back during the test; exit() clears the timers.
    const all = await Promise.all(
      draws.map((draw, i) => signedUp(server, `user${i}`, { backoff: { baseMs: 60_000, capMs: 60_000, random: () => draw }, now: () => 1_000 })),
    );
    for (const socket of server.sockets) socket.push({ type: 'shutdown', reason: 'restart' });
    const waits = await Promise.all(
      all.map((c) =>
        waitFor(() => {
          const connection = c.getSnapshot().connection;
          return connection.status === 'reconnecting' ? { attempt: connection.attempt, wait: connection.nextRetryAt - 1_000 } : undefined;
        }),
      ),
    );
    expect(waits).toEqual([30_000, 37_500, 45_000, 52_500].map((wait) => ({ attempt: 1, wait })));
  });

  it('reconnects when the server announces a shutdown', async () => {
    const server = new FakeParley();
    const alice = await signedUp(server, 'alice');
    for (const socket of server.sockets) socket.push({ type: 'shutdown', reason: 'restart' });
    await waitFor(() => server.received.filter((f) => f.type === 'resume').length === 1);
    await waitFor(() => alice.getSnapshot().connection.status === 'online');
  });
});

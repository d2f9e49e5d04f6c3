// Presence, direct messages, sync, history, read markers and typing over a real WebSocket.
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { RequestFailed, TestClient} from '../helpers/client.js';
import { userClient } from '../helpers/client.js';
import type { SqliteStore } from '../../src/server/store/sqlite.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
const clients: TestClient[] = [];
const user = async (name: string) => {
  const c = await userClient(server.url, name);
  clients.push(c);
  return c;
};
const send = (c: TestClient, to: string, clientMsgId: string, body: string) =>
  c.request('send', { type: 'send', to, clientMsgId, body });

beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server.close();
});

describe('presence', () => {
  // Presence goes to contacts only (test/server/presence.test.ts): these users share a conversation first.
  test('the active users include yourself, and contacts see you come and go', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    expect((await bob.request('online', { type: 'online' })).users).toEqual(['alice', 'bob']);
    await bob.request('open', { type: 'open', with: 'alice' });
    await alice.event('presence', (e) => e.username === 'bob' && e.online);
    bob.close();
    await alice.event('presence', (e) => e.username === 'bob' && !e.online);
    expect((await alice.request('online', { type: 'online' })).users).toEqual(['alice']);
  });

  test('a second device does not announce you twice, and you stay online until the last one leaves', async () => {
    const alice = await user('alice');
    const bob1 = await user('bob');
    await bob1.request('open', { type: 'open', with: 'alice' });
    const bob2 = await user('bob');
    bob1.close();
    await bob2.request('online', { type: 'online' });
    expect((await alice.request('online', { type: 'online' })).users).toContain('bob');
    bob2.close();
    await alice.event('presence', (e) => e.username === 'bob' && !e.online);
    expect(alice.events.filter((e) => e.type === 'presence' && e.username === 'bob' && e.online)).toHaveLength(1);
  });

  test('lookup tells an offline user from no such user', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    await bob.request('open', { type: 'open', with: 'alice' });
    bob.close();
    await alice.event('presence', (e) => e.username === 'bob' && !e.online);
    expect(await alice.request('lookup', { type: 'lookup', username: 'bob' })).toEqual({ username: 'bob', online: false });
    expect(await alice.request('lookup', { type: 'lookup', username: 'alice' })).toEqual({ username: 'alice', online: true });
    const missing = await alice.request('lookup', { type: 'lookup', username: 'Bob' }).catch((e: RequestFailed) => e);
    expect((missing as RequestFailed).code).toBe('USER_NOT_FOUND');
  });
});

describe('direct messages', () => {
  test('an online recipient gets the message pushed, after the sender got the ack', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const ack = await send(alice, 'bob', 'a-1', 'hello bob');
    expect(ack).toMatchObject({ clientMsgId: 'a-1', seq: 1 });
    const { message } = await bob.event('message');
    expect(message).toEqual({ ...ack, from: 'alice', to: 'bob', body: 'hello bob' });
    const second = await send(bob, 'alice', 'b-1', 'hi alice');
    expect(second.conversationId).toBe(ack.conversationId);
    expect(second.seq).toBe(2);
  });

  test('an offline recipient gets the message at their next login, through sync', async () => {
    const bobFirst = await user('bob');
    bobFirst.close();
    const alice = await user('alice');
    await send(alice, 'bob', 'a-1', 'while you were out');
    await send(alice, 'bob', 'a-2', 'second one');
    const bob = await user('bob');
    const synced = await bob.request('sync', { type: 'sync', after: 0 });
    expect(synced.more).toBe(false);
    expect(synced.messages.map((m) => [m.seq, m.body])).toEqual([
      [1, 'while you were out'],
      [2, 'second one'],
    ]);
    expect(synced.cursor).toBe(synced.messages[1]!.cursor);
    expect((await bob.request('sync', { type: 'sync', after: synced.cursor })).messages).toEqual([]);
  });

  test('sync pages through a long backlog in order', async () => {
    const alice = await user('alice');
    await user('bob');
    await user('carol');
    for (let i = 0; i < 12; i++) await send(alice, i % 2 ? 'bob' : 'carol', `m${i}`, `n${i}`);
    const seen: string[] = [];
    let after = 0;
    for (;;) {
      const page = await alice.request('sync', { type: 'sync', after, limit: 5 });
      seen.push(...page.messages.map((m) => m.body));
      after = page.cursor;
      if (!page.more) break;
    }
    expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => `n${i}`));
  });

  test('a resend with the same clientMsgId gets the original ack and no second copy', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const [first, resent] = await Promise.all([send(alice, 'bob', 'same', 'once'), send(alice, 'bob', 'same', 'once')]);
    const later = await send(alice, 'bob', 'same', 'once');
    expect(resent).toEqual(first);
    expect(later).toEqual(first);
    const history = await bob.request('history', { type: 'history', conversationId: first.conversationId });
    expect(history.messages.map((m) => m.body)).toEqual(['once']);
    await bob.event('message');
    await send(alice, 'bob', 'next', 'marker');
    await bob.event('message', (e) => e.message.body === 'marker');
    expect(bob.events.filter((e) => e.type === 'message')).toHaveLength(2);
  });

  test('a clientMsgId reused for another recipient is the same message: the original ack, nothing stored or created for the other', async () => {
    const alice = await user('alice');
    await user('bob');
    const carol = await user('carol');
    const first = await send(alice, 'bob', 'reused', 'to bob');
    expect(await send(alice, 'carol', 'reused', 'to carol?')).toEqual(first);
    const db = (server.server.services.store as SqliteStore).db;
    expect(db.prepare("SELECT count(*) AS n FROM conversation_members m JOIN users u ON u.id = m.user_id WHERE u.username = 'carol'").get()).toEqual({ n: 0 });
    expect((await carol.request('conversations', { type: 'conversations' })).conversations).toEqual([]);
    expect((await carol.request('sync', { type: 'sync', after: 0 })).messages).toEqual([]);
    // The first real message to carol starts her conversation with seq 1.
    expect(await send(alice, 'carol', 'fresh', 'hi carol')).toMatchObject({ seq: 1 });
  });

  test("the sender's other devices get the message too, the sending device only the ack", async () => {
    const phone = await user('alice');
    const laptop = await user('alice');
    await user('bob');
    await send(phone, 'bob', 'p-1', 'from my phone');
    const { message } = await laptop.event('message');
    expect(message.body).toBe('from my phone');
    await send(phone, 'bob', 'p-2', 'marker');
    await laptop.event('message', (e) => e.message.body === 'marker');
    expect(phone.events.filter((e) => e.type === 'message')).toHaveLength(0);
  });

  test('messaging an unknown account is USER_NOT_FOUND and stores nothing', async () => {
    const alice = await user('alice');
    const error = (await send(alice, 'nobody', 'x', 'hello?').catch((e: unknown) => e)) as RequestFailed;
    expect(error.code).toBe('USER_NOT_FOUND');
    expect(error.message).toMatch(/nobody/);
    expect((await alice.request('sync', { type: 'sync', after: 0 })).messages).toEqual([]);
  });

  test('notes to yourself work', async () => {
    const alice = await user('alice');
    const ack = await send(alice, 'alice', 'n1', 'remember the milk');
    const { conversations } = await alice.request('conversations', { type: 'conversations' });
    expect(conversations).toMatchObject([{ id: ack.conversationId, peer: 'alice', unread: 0, lastSeq: 1 }]);
  });
});

describe('history, conversations and read markers', () => {
  test('history pages backwards', async () => {
    const alice = await user('alice');
    await user('bob');
    let conversationId = 0;
    for (let i = 1; i <= 25; i++) conversationId = (await send(alice, 'bob', `h${i}`, `msg ${i}`)).conversationId;
    const newest = await alice.request('history', { type: 'history', conversationId, limit: 10 });
    expect(newest.messages.map((m) => m.seq)).toEqual([16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
    expect(newest.more).toBe(true);
    const older = await alice.request('history', { type: 'history', conversationId, before: 16, limit: 10 });
    expect(older.messages.map((m) => m.seq)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    const oldest = await alice.request('history', { type: 'history', conversationId, before: 6, limit: 10 });
    expect(oldest).toMatchObject({ more: false });
    expect(oldest.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    const tooMany = await alice.request('history', { type: 'history', conversationId, limit: 101 }).catch((e: RequestFailed) => e);
    expect((tooMany as RequestFailed).code).toBe('INVALID_FRAME');
  });

  test("history of someone else's conversation is CONVERSATION_NOT_FOUND", async () => {
    const alice = await user('alice');
    await user('bob');
    const mallory = await user('mallory');
    const { conversationId } = await send(alice, 'bob', 'x', 'private');
    const error = await mallory.request('history', { type: 'history', conversationId }).catch((e: RequestFailed) => e);
    expect((error as RequestFailed).code).toBe('CONVERSATION_NOT_FOUND');
  });

  test('conversations list newest first with unread counts; read markers reach other devices and the sender', async () => {
    const alice = await user('alice');
    const bobPhone = await user('bob');
    const bobLaptop = await user('bob');
    await user('carol');
    const carol = clients.at(-1)!;
    await send(alice, 'bob', 'a1', 'one');
    const last = await send(alice, 'bob', 'a2', 'two');
    await send(carol, 'bob', 'c1', 'from carol');
    const { conversations } = await bobPhone.request('conversations', { type: 'conversations' });
    expect(conversations.map((c) => [c.kind === 'direct' ? c.peer : c.name, c.unread])).toEqual([
      ['carol', 1],
      ['alice', 2],
    ]);
    expect(conversations[1]!.lastMessage?.body).toBe('two');

    expect(await bobPhone.request('read', { type: 'read', conversationId: last.conversationId, seq: last.seq })).toEqual({ readSeq: 2 });
    const onLaptop = await bobLaptop.event('read', (e) => e.conversationId === last.conversationId);
    expect(onLaptop).toMatchObject({ username: 'bob', seq: 2 });
    const seen = await alice.event('read', (e) => e.conversationId === last.conversationId);
    expect(seen).toMatchObject({ username: 'bob', seq: 2 });

    const after = await bobLaptop.request('conversations', { type: 'conversations' });
    expect(after.conversations.find((c) => c.kind === 'direct' && c.peer === 'alice')).toMatchObject({ unread: 0, readSeq: 2 });
    const aliceView = await alice.request('conversations', { type: 'conversations' });
    expect(aliceView.conversations[0]).toMatchObject({ peer: 'bob', peerReadSeq: 2, unread: 0 });
  });

  test('a read marker never moves backwards nor past the last message', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const { conversationId } = await send(alice, 'bob', 'a1', 'one');
    await send(alice, 'bob', 'a2', 'two');
    expect(await bob.request('read', { type: 'read', conversationId, seq: 99 })).toEqual({ readSeq: 2 });
    expect(await bob.request('read', { type: 'read', conversationId, seq: 1 })).toEqual({ readSeq: 2 });
  });

  test('open finds or creates the conversation with any registered user, online or not', async () => {
    const alice = await user('alice');
    (await user('bob')).close();
    const { conversation } = await alice.request('open', { type: 'open', with: 'bob' });
    expect(conversation).toMatchObject({ peer: 'bob', lastSeq: 0, unread: 0, lastMessage: null });
    const ack = await send(alice, 'bob', 'o1', 'hi');
    expect(ack.conversationId).toBe(conversation.id);
    const missing = await alice.request('open', { type: 'open', with: 'zed' }).catch((e: RequestFailed) => e);
    expect((missing as RequestFailed).code).toBe('USER_NOT_FOUND');
  });
});

test('typing reaches the other member and is not stored', async () => {
  const alice = await user('alice');
  const bob = await user('bob');
  const { conversation } = await alice.request('open', { type: 'open', with: 'bob' });
  await alice.request('typing', { type: 'typing', conversationId: conversation.id });
  expect(await bob.event('typing')).toEqual({ type: 'typing', conversationId: conversation.id, username: 'alice' });
  expect((await bob.request('sync', { type: 'sync', after: 0 })).messages).toEqual([]);
  expect(alice.events.some((e) => e.type === 'typing')).toBe(false);
});

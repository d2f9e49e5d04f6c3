// The Store interface as every store must answer it, run against SQLite and PostgreSQL alike
// (test/helpers/store-kinds.ts): accounts and sessions, sends and resends, sync, history, summaries, read marks, vaults.
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { kindTitle, type StoreHarness, storeKinds } from '../../../test/helpers/store-kinds.js';
import type { Message } from '../../shared/protocol.js';
import type { Store } from './store.js';

let harness: StoreHarness;
let store: Store;

/** Messages whose conversation is missing, or whose sender or recipient is not one of its members (direct messages). */
const ORPHAN_MESSAGES = `
  SELECT m.id FROM messages m LEFT JOIN conversations c ON c.id = m.conversation_id
  WHERE c.id IS NULL
     OR CASE WHEN m.sender_id < m.recipient_id THEN m.sender_id ELSE m.recipient_id END != c.user_lo
     OR CASE WHEN m.sender_id < m.recipient_id THEN m.recipient_id ELSE m.sender_id END != c.user_hi
     OR NOT EXISTS (SELECT 1 FROM conversation_members WHERE conversation_id = m.conversation_id AND user_id = m.sender_id)
     OR NOT EXISTS (SELECT 1 FROM conversation_members WHERE conversation_id = m.conversation_id AND user_id = m.recipient_id)`;

const send = (senderId: number, from: string, to: string, clientMsgId: string, body = clientMsgId) => ({ senderId, from, to, clientMsgId, body, ts: 5 });

async function users(...names: string[]): Promise<number[]> {
  const ids: number[] = [];
  for (const name of names) ids.push((await store.createUser(name, 'hash', 1)).id);
  return ids;
}

for (const kind of await storeKinds()) {
  describe.skipIf(kind.skipped !== null)(kindTitle(kind), () => {
    beforeEach(async () => {
      harness = await kind.open();
      store = harness.store;
    });
    afterEach(async () => {
      await harness.close();
    });

    test('accounts: case-sensitive names, a taken name refused, kept when the database is opened again', async () => {
      const alice = await store.createUser('alice', 'hash', 1);
      await expect(store.createUser('alice', 'other', 2)).rejects.toMatchObject({ code: 'USERNAME_TAKEN' });
      const upper = await store.createUser('Alice', 'hash2', 2);
      expect(upper.id).not.toBe(alice.id);
      const again = await harness.another();
      expect(await again.findUserByName('alice')).toEqual({ id: alice.id, username: 'alice', passwordHash: 'hash', createdAt: 1 });
      expect(await again.findUserIdByName('Alice')).toBe(upper.id);
      expect(await again.findUserByName('ALICE')).toBeUndefined();
      // A name no account can have (PostgreSQL's TEXT cannot even hold it) is simply not found.
      expect(await again.findUserByName('ali\u0000ce')).toBeUndefined();
      expect(await again.findUserIdByName('ali\u0000ce')).toBeUndefined();
      expect(await again.generation()).toBe(await store.generation());
      expect(await again.serverSecret()).toEqual(await store.serverSecret());
      expect((await store.serverSecret()).length).toBe(32);
    });

    test('a password change and what commits with it are one transaction: a refusal keeps the old hash', async () => {
      const user = await store.createUser('alice', 'old-hash', 1);
      // Keys for an account that has none: refused inside the transaction, which then writes nothing.
      const keys = { salt: 's', kdf: { v: 2 } as never, keyBundle: 'kb1.not-a-bundle' };
      await expect(store.changePassword({ userId: user.id, passwordHash: 'new-hash', keepSessionId: 0, keys })).resolves.toBe('stale-keys');
      expect((await store.findUserByName('alice'))?.passwordHash).toBe('old-hash');
      await store.changePassword({ userId: user.id, passwordHash: 'new-hash', keepSessionId: 0 });
      expect((await store.findUserByName('alice'))?.passwordHash).toBe('new-hash');
    });

    test('sessions: found by token hash, listed newest first, touched, ended one, all but one, or when idle', async () => {
      const { user, session } = await store.register({ username: 'alice', passwordHash: 'h', now: 10, session: { tokenHash: Buffer.alloc(32, 1), device: 'laptop', address: '10.0.0.1' } });
      expect(session).toEqual({ id: session.id, userId: user.id, username: 'alice', device: 'laptop', createdAt: 10, lastSeenAt: 10 });
      const phone = await store.createSession({ userId: user.id, tokenHash: Buffer.alloc(32, 2), device: null, address: null, now: 20 });
      const third = await store.createSession({ userId: user.id, tokenHash: Buffer.alloc(32, 3), device: 'tablet', address: null, now: 30 });
      expect(await store.findSessionByTokenHash(Buffer.alloc(32, 2))).toEqual({ ...phone });
      expect(await store.findSessionByTokenHash(Buffer.alloc(32, 9))).toBeUndefined();
      await store.touchSession(session.id, 40, null);
      await store.touchSession(phone.id, 35, '10.0.0.2');
      expect(await store.listSessions(user.id)).toEqual([
        { id: session.id, device: 'laptop', address: '10.0.0.1', createdAt: 10, lastSeenAt: 40 },
        { id: phone.id, device: null, address: '10.0.0.2', createdAt: 20, lastSeenAt: 35 },
        { id: third.id, device: 'tablet', address: null, createdAt: 30, lastSeenAt: 30 },
      ]);
      const bob = await store.createUser('bob', 'h', 1);
      expect(await store.deleteUserSession(bob.id, third.id)).toBe(false);
      expect(await store.deleteIdleSessions(31)).toBe(1);
      expect(await store.deleteUserSessions(user.id, session.id)).toBe(1);
      expect((await store.listSessions(user.id)).map((s) => s.id)).toEqual([session.id]);
      expect(await store.deleteUserSession(user.id, session.id)).toBe(true);
      await store.deleteSession(session.id);
      expect(await store.listSessions(user.id)).toEqual([]);
    });

    test('sends: a seq per conversation and a cursor for each, a resend answered with its original, unknown recipients refused', async () => {
      const [a, b, c] = await users('a', 'b', 'c');
      const results = await store.appendMessages([send(a!, 'a', 'b', 'm1'), send(b!, 'b', 'a', 'm2'), send(a!, 'a', 'c', 'm3'), send(a!, 'a', 'b', 'm1', 'changed'), send(a!, 'a', 'nobody', 'm4'), send(a!, 'a', 'a', 'self')]);
      const [m1, m2, m3, again, unknown, self] = results;
      expect(m1).toEqual({ message: { cursor: expect.any(Number), conversationId: expect.any(Number), seq: 1, from: 'a', to: 'b', clientMsgId: 'm1', body: 'm1', ts: 5 }, recipientId: b, duplicate: false });
      expect(m2!.message).toMatchObject({ seq: 2, conversationId: m1!.message!.conversationId });
      expect(m3!.message).toMatchObject({ seq: 1, to: 'c' });
      expect(m3!.message!.conversationId).not.toBe(m1!.message!.conversationId);
      expect(again).toEqual({ ...m1, duplicate: true });
      expect(unknown).toEqual({ message: null });
      expect(self).toMatchObject({ recipientId: a, message: { seq: 1, to: 'a' } });
      const cursors = [m1, m2, m3, self].map((r) => r!.message!.cursor);
      expect([...cursors].sort((x, y) => x - y)).toEqual(cursors);
      // A later batch resends too, and an envelope naming another conversation is refused.
      const [late, wrong] = await store.appendMessages([send(b!, 'b', 'a', 'm2'), { ...send(c!, 'c', 'a', 'm5'), conversationId: m1!.message!.conversationId }]);
      expect(late).toEqual({ ...m2, duplicate: true });
      expect(wrong).toEqual({ message: null, misdirected: true });
      expect(await harness.all(ORPHAN_MESSAGES)).toEqual([]);
    });

    test('one batch of first messages to forty people makes forty conversations with their members; a resend to someone new makes none', async () => {
      const names = Array.from({ length: 40 }, (_, i) => `p${i}`);
      const [a, ...others] = await users('a', ...names);
      const results = await store.appendMessages(names.map((to, i) => send(a!, 'a', to, `first-${i}`)));
      expect(results.map((r) => r.message?.seq)).toEqual(names.map(() => 1));
      expect(new Set(results.map((r) => r.message!.conversationId)).size).toBe(40);
      const members = await harness.all<{ conversation_id: number; user_id: number }>('SELECT conversation_id, user_id FROM conversation_members ORDER BY conversation_id, user_id');
      expect(members).toHaveLength(80);
      results.forEach((r, i) => {
        expect(members.filter((m) => Number(m.conversation_id) === r.message!.conversationId).map((m) => Number(m.user_id))).toEqual([a!, others[i]!].sort((x, y) => x - y));
      });
      // A's first-0 again, now to someone A never wrote to: the original's answer, and no conversation for the new pair.
      const [z] = await users('z');
      const [resent] = await store.appendMessages([send(a!, 'a', 'z', 'first-0')]);
      expect(resent).toEqual({ ...results[0], duplicate: true });
      expect(await harness.all('SELECT id FROM conversations WHERE user_lo = ? AND user_hi = ?', Math.min(a!, z!), Math.max(a!, z!))).toEqual([]);
    });

    test('a body is stored exactly as sent, whatever characters it holds', async () => {
      const [a, b] = await users('a', 'b');
      const body = 'nul \u0000 here, emoji 🦜, accents é, RTL \u202e, newline\n';
      const [sent] = await store.appendMessages([send(a!, 'a', 'b', 'odd', body)]);
      expect((await store.history(sent!.message!.conversationId, undefined, 10))[0]?.body).toBe(body);
      expect((await store.messagesAfter(b!, 0, 10))[0]?.body).toBe(body);
    });

    test('history pages back by seq; summaries count unread from the peer; read marks never pass the last seq nor go back', async () => {
      const [a, b] = await users('a', 'b');
      for (let i = 1; i <= 5; i++) await store.appendMessages([send(i % 2 ? a! : b!, i % 2 ? 'a' : 'b', i % 2 ? 'b' : 'a', `m${i}`)]);
      const conversationId = await store.openDirect(b!, a!, 9);
      expect(await store.openDirect(a!, b!, 9)).toBe(conversationId);
      expect((await store.history(conversationId, undefined, 2)).map((m) => m.seq)).toEqual([4, 5]);
      expect((await store.history(conversationId, 4, 2)).map((m) => m.seq)).toEqual([2, 3]);
      expect((await store.history(conversationId, 2, 10)).map((m) => m.seq)).toEqual([1]);
      const [summary] = await store.conversations(a!);
      expect(summary).toEqual({ id: conversationId, kind: 'direct', peer: 'b', lastSeq: 5, readSeq: 0, peerReadSeq: 0, unread: 2, lastMessage: expect.objectContaining({ seq: 5, clientMsgId: 'm5' }), epoch: 0 });
      expect(await store.markRead(a!, conversationId, 3)).toEqual({ readSeq: 3, memberIds: [b], changed: true });
      expect(await store.markRead(a!, conversationId, 2)).toEqual({ readSeq: 3, memberIds: [b], changed: false });
      expect(await store.markRead(a!, conversationId, 99)).toEqual({ readSeq: 5, memberIds: [b], changed: true });
      expect(await store.conversation(a!, conversationId)).toMatchObject({ readSeq: 5, unread: 0 });
      expect(await store.conversation(b!, conversationId)).toMatchObject({ peer: 'a', peerReadSeq: 5, unread: 3 });
      const [c] = await users('c');
      expect(await store.markRead(c!, conversationId, 1)).toBeUndefined();
      // An open conversation with no message yet is no summary in the list, but can be asked for.
      const empty = await store.openDirect(a!, c!, 9);
      expect((await store.conversations(a!)).map((s) => s.id)).toEqual([conversationId]);
      expect(await store.conversation(c!, empty)).toMatchObject({ peer: 'a', lastSeq: 0, lastMessage: null, unread: 0 });
      expect(await store.peersOf(a!, empty)).toEqual([c]);
      expect((await store.contactIds(a!)).sort((x, y) => x - y)).toEqual([b, c]);
    });

    test('vaults: a version is written only right after the stored one', async () => {
      const [a] = await users('a');
      expect(await store.vault(a!)).toEqual({ vault: null, version: 0 });
      expect(await store.putVault(a!, 'v2', 2)).toBe(false);
      expect(await store.putVault(a!, 'v1', 1)).toBe(true);
      expect(await store.putVault(a!, 'v1 again', 1)).toBe(false);
      expect(await store.putVault(a!, 'v2', 2)).toBe(true);
      expect(await store.vault(a!)).toEqual({ vault: 'v2', version: 2 });
    });

    test('sync (messagesAfter) returns exactly what a plain filter of every message would, for any cursor and page size', async () => {
      const names = ['ann', 'bo', 'cy', 'di'];
      const sendArb = fc.record({ from: fc.nat(3), to: fc.nat(3), id: fc.nat(40) });
      await fc.assert(
        fc.asyncProperty(fc.array(sendArb, { maxLength: 120 }), fc.nat(3), fc.nat(130), fc.integer({ min: 1, max: 30 }), async (sends, reader, after, limit) => {
          const fresh = await harness.fresh();
          const ids: number[] = [];
          for (const name of names) ids.push((await fresh.createUser(name, 'hash', 1)).id);
          // One send per batch or several: resends (the same sender and id) keep their first seq and cursor.
          const stored: Message[] = [];
          const firstOf = new Map<string, Message>();
          for (let i = 0; i < sends.length; i += 7) {
            const batch = sends.slice(i, i + 7).map((s) => ({ senderId: ids[s.from]!, from: names[s.from]!, to: names[s.to]!, clientMsgId: `m${s.id}`, body: 'x', ts: i }));
            for (const result of await fresh.appendMessages(batch)) {
              const message = result.message!;
              const key = `${message.from}/${message.clientMsgId}`;
              const first = firstOf.get(key);
              if (first) {
                expect(message).toEqual(first);
              } else {
                firstOf.set(key, message);
                stored.push(message);
              }
            }
          }
          const me = names[reader]!;
          const expected = stored
            .filter((m) => (m.from === me || m.to === me) && m.cursor > after)
            .sort((a, b) => a.cursor - b.cursor)
            .slice(0, limit);
          expect(await fresh.messagesAfter(ids[reader]!, after, limit)).toEqual(expected);
          // Each conversation's seqs are 1, 2, 3… in cursor order.
          for (const id of new Set(stored.map((m) => m.conversationId))) {
            const seqs = stored.filter((m) => m.conversationId === id).map((m) => m.seq);
            expect(seqs).toEqual(seqs.map((_, i) => i + 1));
          }
          // Every row points at its conversation, and its sender and recipient are that conversation's two members.
          expect(await harness.all(ORPHAN_MESSAGES)).toEqual([]);
        }),
        { numRuns: kind.name === 'sqlite' ? 300 : 60 },
      );
      // Hundreds of fresh databases: far longer than one test's default on a busy machine.
    }, 180_000);
  });
}

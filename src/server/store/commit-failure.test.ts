// A write whose COMMIT fails leaves the store as it was, caches included: no later write lands where the rolled-back
// one would have. Runs against every store (test/helpers/store-kinds.ts).
import { afterEach, describe, expect, test } from 'vitest';
import { COMMIT_FAILED, kindTitle, type StoreHarness, storeKinds } from '../../../test/helpers/store-kinds.js';
import { encodePublicIdentity, generateIdentity, sealIdentity } from '../../shared/crypto/index.js';
import type { Store } from './store.js';

let harness: StoreHarness;
let store: Store;
afterEach(async () => {
  await harness?.close();
});

/** Places (conversation, seq) held by more than one message. */
const sharedPlaces = () => harness.all('SELECT conversation_id, seq FROM messages GROUP BY 1, 2 HAVING count(*) > 1');

async function users(...names: string[]): Promise<number[]> {
  const ids: number[] = [];
  for (const name of names) ids.push((await store.createUser(name, 'hash', 1)).id);
  return ids;
}

const send = (senderId: number, from: string, to: string, clientMsgId: string) => ({ senderId, from, to, clientMsgId, body: clientMsgId, ts: 2 });

for (const kind of await storeKinds()) {
  describe.skipIf(kind.skipped !== null)(kindTitle(kind), () => {
    const open = async () => {
      harness = await kind.open();
      store = harness.store;
    };

    test('after an open whose commit failed, the next new conversation keeps its own messages', async () => {
      await open();
      const [c, d, e] = await users('c', 'd', 'e', 'f');
      const cleared = await harness.failCommits('conversations');
      await expect(store.openDirect(c!, d!, 2)).rejects.toThrow(COMMIT_FAILED);
      await cleared();

      // e and f get the rowid the rolled-back conversation had; c's message to d must not follow it there.
      const ef = await store.openDirect(e!, (await store.findUserIdByName('f'))!, 3);
      const [fromE] = await store.appendMessages([send(e!, 'e', 'f', 'e1')]);
      const [fromC] = await store.appendMessages([send(c!, 'c', 'd', 'c1')]);
      const cd = await store.openDirect(c!, d!, 4);
      expect(cd).not.toBe(ef);
      expect(fromE!.message).toMatchObject({ conversationId: ef, seq: 1 });
      expect(fromC!.message).toMatchObject({ conversationId: cd, seq: 1 });
      expect((await store.messagesAfter(d!, 0, 10)).map((m) => m.clientMsgId)).toEqual(['c1']);
      expect((await store.messagesAfter(e!, 0, 10)).map((m) => m.clientMsgId)).toEqual(['e1']);
      expect(await sharedPlaces()).toEqual([]);
    });

    test('a send whose commit failed leaves no seq taken and no conversation cached', async () => {
      await open();
      const [c, d, e] = await users('c', 'd', 'e', 'f');
      await store.appendMessages([send(c!, 'c', 'd', 'c1')]);
      const cleared = await harness.failCommits('messages');
      // One batch: two messages in the existing conversation and the first of a new one (e to f).
      const failing = [send(c!, 'c', 'd', 'c2'), send(c!, 'c', 'd', 'c2b'), send(e!, 'e', 'f', 'e1')];
      await expect(store.appendMessages(failing)).rejects.toThrow(COMMIT_FAILED);
      await cleared();

      const [c3] = await store.appendMessages([send(c!, 'c', 'd', 'c3')]);
      expect(c3!.message).toMatchObject({ seq: 2 });
      // A new conversation (d to e) takes the rowid e-f would have had; then e writes to f again.
      const [d1, e2] = await store.appendMessages([send(d!, 'd', 'e', 'd1'), send(e!, 'e', 'f', 'e2')]);
      expect(d1!.message!.conversationId).not.toBe(e2!.message!.conversationId);
      expect((await store.messagesAfter(e!, 0, 10)).map((m) => [m.clientMsgId, m.seq])).toEqual([
        ['d1', 1],
        ['e2', 1],
      ]);
      expect(await sharedPlaces()).toEqual([]);
    });

    test('a registration whose commit failed leaves no account, cached or stored, and the same one then succeeds', async () => {
      await open();
      const keys = { salt: 's', kdf: { v: 2 } as never, keyBundle: 'kb.v1', publicIdentity: 'pub.v1' };
      const account = { username: 'alice', passwordHash: 'hash', now: 1, keys, session: { tokenHash: Buffer.alloc(32, 1), device: null, address: null } };
      const cleared = await harness.failCommits('sessions');
      await expect(store.register(account)).rejects.toThrow(COMMIT_FAILED);
      await cleared();
      expect(await store.findUserIdByName('alice')).toBeUndefined();
      const rows = (table: string) => harness.get(`SELECT count(*) AS n FROM ${table}`);
      expect([await rows('users'), await rows('identities'), await rows('sessions')]).toEqual([{ n: 0 }, { n: 0 }, { n: 0 }]);

      const { user, session } = await store.register(account);
      expect(session.userId).toBe(user.id);
      expect(await store.findUserIdByName('alice')).toBe(user.id);
      expect(await store.userKeys(user.id)).toMatchObject({ keyBundle: 'kb.v1', publicIdentity: 'pub.v1' });
    });

    /** Key version `keyVersion` of alice's identity: its public half and its private keys sealed with `wrapKey`. */
    function aliceKeys(keyVersion: number, wrapKey = new Uint8Array(32).fill(keyVersion)) {
      const identity = generateIdentity(keyVersion);
      return { publicIdentity: encodePublicIdentity(identity, 'alice'), keyBundle: sealIdentity({ identity, username: 'alice', wrapKey }) };
    }

    /** alice with end-to-end keys, reset once (so one old bundle), signed in on two devices; returns her id and the first session's. */
    async function aliceOnTwoDevices(): Promise<{ userId: number; sessionId: number }> {
      const session = (n: number) => ({ tokenHash: Buffer.alloc(32, n), device: null, address: null });
      const { user } = await store.register({
        username: 'alice',
        passwordHash: 'old-hash',
        now: 1,
        keys: { salt: 'old-salt', kdf: { v: 2 } as never, ...aliceKeys(1) },
        session: session(1),
      });
      await store.createSession({ ...session(2), userId: user.id, now: 1 });
      expect(await store.resetKeys({ userId: user.id, keepSessionId: 0, keyVersion: 2, now: 1, ...aliceKeys(2) })).toBe(2);
      await store.createSession({ ...session(3), userId: user.id, now: 1 });
      return { userId: user.id, sessionId: (await store.createSession({ ...session(4), userId: user.id, now: 1 })).id };
    }

    /** Everything a password change or an identity reset may write for the user. */
    const accountOf = async (userId: number) => ({
      passwordHash: (await store.findUserByName('alice'))?.passwordHash,
      keys: await store.userKeys(userId),
      identities: await store.identities(userId),
      sessions: (await store.listSessions(userId)).map((s) => s.id),
    });

    test('a password change whose commit failed keeps the old hash, the keys sealed with it and every session', async () => {
      await open();
      const { userId, sessionId } = await aliceOnTwoDevices();
      const before = await accountOf(userId);
      // Both versions re-sealed with the new password's wrap key, as the client sends them.
      const newWrapKey = new Uint8Array(32).fill(9);
      const keys = { salt: 'new-salt', kdf: { v: 2 } as never, keyBundle: aliceKeys(2, newWrapKey).keyBundle, oldKeyBundles: [aliceKeys(1, newWrapKey).keyBundle] };
      const change = { userId, passwordHash: 'new-hash', keepSessionId: sessionId, keys };
      // Ending the other sessions is the last write: everything before it succeeded when the commit fails.
      const cleared = await harness.failCommits('sessions', 'DELETE');
      await expect(store.changePassword(change)).rejects.toThrow(COMMIT_FAILED);
      await cleared();
      expect(await accountOf(userId)).toEqual(before);

      expect(await store.changePassword(change)).toBe(1);
      expect(await accountOf(userId)).toEqual({
        passwordHash: 'new-hash',
        keys: { ...before.keys, salt: 'new-salt', keyBundle: keys.keyBundle, oldKeyBundles: keys.oldKeyBundles },
        identities: before.identities,
        sessions: [sessionId],
      });
    });

    test('an identity reset whose commit failed keeps the old identity, its bundle and every session', async () => {
      await open();
      const { userId, sessionId } = await aliceOnTwoDevices();
      const before = await accountOf(userId);
      const next = aliceKeys(3);
      const reset = { userId, keepSessionId: sessionId, keyVersion: 3, now: 2, ...next };
      const cleared = await harness.failCommits('sessions', 'DELETE');
      await expect(store.resetKeys(reset)).rejects.toThrow(COMMIT_FAILED);
      await cleared();
      expect(await accountOf(userId)).toEqual(before);

      expect(await store.resetKeys(reset)).toBe(1);
      expect(await store.currentKeyVersion(userId)).toBe(3);
      expect(await accountOf(userId)).toMatchObject({
        keys: { keyBundle: next.keyBundle, publicIdentity: next.publicIdentity, oldKeyBundles: [...before.keys!.oldKeyBundles, before.keys!.keyBundle] },
        identities: [...before.identities, next.publicIdentity],
        sessions: [sessionId],
      });
    });

    /** Public identities at key version 1, as accounts registered with keys have. */
    const keyVersionOne = async (...userIds: number[]) => {
      for (const id of userIds) await harness.run("INSERT INTO identities (user_id, key_version, public_identity, created_at) VALUES (?, 1, 'id1', 1)", id);
    };

    test('a new key epoch whose commit failed leaves the epoch where it was, with no copies; the same epoch then succeeds', async () => {
      await open();
      const [c, d] = await users('c', 'd');
      await keyVersionOne(c!, d!);
      const conversationId = await store.openDirect(c!, d!, 1);
      const copies = [c!, d!].map((recipientId) => ({ recipientId, recipientKeyVersion: 1, sealed: `ek2.for-${recipientId}` }));
      const epochOf = () => harness.get('SELECT epoch FROM conversations WHERE id = ?', conversationId);
      const cleared = await harness.failCommits('epoch_keys');
      await expect(store.addEpoch(conversationId, 1, c!, copies, 2)).rejects.toThrow(COMMIT_FAILED);
      await cleared();
      expect(await epochOf()).toEqual({ epoch: 0 });
      expect(await store.epochKeys(d!, conversationId)).toEqual([]);

      expect(await store.addEpoch(conversationId, 1, c!, copies, 2)).toBe('added');
      expect(await epochOf()).toEqual({ epoch: 1 });
      expect(await store.epochKeys(d!, conversationId)).toEqual([{ epoch: 1, creator: 'c', sealed: `ek2.for-${d}` }]);
    });

    test('a key epoch sealed to a key version that a reset retired meanwhile stores nothing', async () => {
      await open();
      const [c, d] = await users('c', 'd');
      await keyVersionOne(c!, d!);
      const conversationId = await store.openDirect(c!, d!, 1);
      const copies = [c!, d!].map((recipientId) => ({ recipientId, recipientKeyVersion: 1, sealed: `ek2.for-${recipientId}` }));
      // d resets between the handler's look at the key versions and the write.
      await harness.run("INSERT INTO identities (user_id, key_version, public_identity, created_at) VALUES (?, 2, 'id2', 1)", d);
      expect(await store.addEpoch(conversationId, 1, c!, copies, 2)).toBe('stale-keys');
      expect(await harness.get('SELECT epoch FROM conversations WHERE id = ?', conversationId)).toEqual({ epoch: 0 });
      expect(await store.epochKeys(d!, conversationId)).toEqual([]);
    });
  });
}

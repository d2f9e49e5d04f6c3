// A write whose COMMIT fails leaves the store's caches as they were: no later write lands where the rolled-back one would have.
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { tempDir } from '../../../test/helpers/temp.js';
import { SqliteKeyStore } from './keys.js';
import { SqliteStore } from './sqlite.js';

let store: SqliteStore;
afterEach(async () => {
  await store.close();
});

const open = () => (store = new SqliteStore({ file: path.join(tempDir('parley-commit-'), 'parley.db'), checkpointInWorker: false }));

/**
 * Makes the COMMIT of every transaction that inserts into `table` fail, as a full disk does, until the
 * returned function is called: the trigger leaves a reference to no user, which SQLite checks only at
 * COMMIT (a deferred foreign key), so every statement of the transaction succeeds and the commit does not.
 */
function failCommitsInserting(table: string): () => void {
  store.db.exec(`
    CREATE TABLE dangling (user_id INTEGER REFERENCES users(id) DEFERRABLE INITIALLY DEFERRED);
    CREATE TRIGGER fail_commit AFTER INSERT ON ${table} BEGIN INSERT INTO dangling VALUES (-1); END;`);
  return () => store.db.exec('DROP TRIGGER fail_commit; DROP TABLE dangling;');
}

const COMMIT_FAILED = /FOREIGN KEY constraint failed/;

/** Places (conversation, seq) held by more than one message. */
const sharedPlaces = () => store.db.prepare('SELECT conversation_id, seq FROM messages GROUP BY 1, 2 HAVING count(*) > 1').all();

async function users(...names: string[]): Promise<number[]> {
  const ids: number[] = [];
  for (const name of names) ids.push((await store.createUser(name, 'hash', 1)).id);
  return ids;
}

const send = (senderId: number, from: string, to: string, clientMsgId: string) => ({ senderId, from, to, clientMsgId, body: clientMsgId, ts: 2 });

test('after an open whose commit failed, the next new conversation keeps its own messages', async () => {
  open();
  const [c, d, e] = await users('c', 'd', 'e', 'f');
  const cleared = failCommitsInserting('conversations');
  await expect(store.openDirect(c!, d!, 2)).rejects.toThrow(COMMIT_FAILED);
  cleared();

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
  expect(sharedPlaces()).toEqual([]);
});

test('a send whose commit failed leaves no seq taken and no conversation cached', async () => {
  open();
  const [c, d, e] = await users('c', 'd', 'e', 'f');
  await store.appendMessages([send(c!, 'c', 'd', 'c1')]);
  const cleared = failCommitsInserting('messages');
  // One batch: two messages in the existing conversation and the first of a new one (e to f).
  const failing = [send(c!, 'c', 'd', 'c2'), send(c!, 'c', 'd', 'c2b'), send(e!, 'e', 'f', 'e1')];
  await expect(store.appendMessages(failing)).rejects.toThrow(COMMIT_FAILED);
  cleared();

  const [c3] = await store.appendMessages([send(c!, 'c', 'd', 'c3')]);
  expect(c3!.message).toMatchObject({ seq: 2 });
  // A new conversation (d to e) takes the rowid e-f would have had; then e writes to f again.
  const [d1, e2] = await store.appendMessages([send(d!, 'd', 'e', 'd1'), send(e!, 'e', 'f', 'e2')]);
  expect(d1!.message!.conversationId).not.toBe(e2!.message!.conversationId);
  expect((await store.messagesAfter(e!, 0, 10)).map((m) => [m.clientMsgId, m.seq])).toEqual([
    ['d1', 1],
    ['e2', 1],
  ]);
  expect(sharedPlaces()).toEqual([]);
});

test('a registration whose commit failed leaves no account, cached or stored, and the same one then succeeds', async () => {
  open();
  const keys = new SqliteKeyStore(store.db);
  const account = { username: 'alice', passwordHash: 'hash', now: 1, session: { tokenHash: Buffer.alloc(32, 1), device: null, address: null } };
  const withKeys = (userId: number) =>
    keys.setUserKeys(userId, { salt: 's', kdf: { v: 2 } as never, keyBundle: 'kb.v1', publicIdentity: 'pub.v1' }, 1);
  const cleared = failCommitsInserting('sessions');
  await expect(store.register(account, withKeys)).rejects.toThrow(COMMIT_FAILED);
  cleared();
  expect(await store.findUserIdByName('alice')).toBeUndefined();
  const rows = (table: string) => store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get();
  expect([rows('users'), rows('identities'), rows('sessions')]).toEqual([{ n: 0 }, { n: 0 }, { n: 0 }]);

  const { user, session } = await store.register(account, withKeys);
  expect(session.userId).toBe(user.id);
  expect(await store.findUserIdByName('alice')).toBe(user.id);
  expect(keys.userKeys(user.id)).toMatchObject({ keyBundle: 'kb.v1', publicIdentity: 'pub.v1' });
});

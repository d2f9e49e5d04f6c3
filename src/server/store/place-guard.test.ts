// The database's own guard over message places (migration 10): whatever the store's caches believe, two
// messages never commit at one (conversation, seq), and the store finds the next free place again.
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, test } from 'vitest';
import { tempDir } from '../../../test/helpers/temp.js';
import { MIGRATIONS } from './migrations.js';
import { migrate, SqliteStore } from './sqlite.js';

const opened: SqliteStore[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

const open = (file: string, migrations = MIGRATIONS) => {
  const store = new SqliteStore({ file, checkpointInWorker: false, migrations });
  opened.push(store);
  return store;
};

const send = (senderId: number, from: string, to: string, clientMsgId: string) => ({ senderId, from, to, clientMsgId, body: clientMsgId, ts: 2 });

/** Places (conversation, seq) held by more than one message. */
const sharedPlaces = (store: SqliteStore) =>
  store.db.prepare('SELECT conversation_id, seq FROM messages GROUP BY 1, 2 HAVING count(*) > 1').all();

const places = (store: SqliteStore) =>
  store.db.prepare('SELECT client_msg_id AS id, seq FROM messages ORDER BY id').all() as { id: string; seq: number }[];

test('a store whose cached head is behind the database cannot take a place again, and its retry takes the next one', async () => {
  const file = path.join(tempDir('parley-guard-'), 'parley.db');
  const first = open(file);
  const alice = await first.createUser('alice', 'hash', 1);
  const bob = await first.createUser('bob', 'hash', 1);
  await first.appendMessages([send(alice.id, 'alice', 'bob', 'm1')]);

  // A second store on the same file has caches of its own: each one's head goes stale when the other writes,
  // the way a cache bug would leave one.
  const second = open(file);
  await second.appendMessages([send(bob.id, 'bob', 'alice', 'm2')]);

  await expect(first.appendMessages([send(alice.id, 'alice', 'bob', 'm3')])).rejects.toThrow(/UNIQUE constraint failed: messages.prev_id/);
  expect(sharedPlaces(first)).toEqual([]);

  const [retry] = await first.appendMessages([send(alice.id, 'alice', 'bob', 'm3')]);
  expect(retry?.message).toMatchObject({ seq: 3, clientMsgId: 'm3' });
  expect(places(first)).toEqual([
    { id: 'm1', seq: 1 },
    { id: 'm2', seq: 2 },
    { id: 'm3', seq: 3 },
  ]);
});

test("two conversations' first messages from stale caches: one commits, the other is refused", async () => {
  const file = path.join(tempDir('parley-guard-'), 'parley.db');
  const first = open(file);
  const alice = await first.createUser('alice', 'hash', 1);
  await first.createUser('bob', 'hash', 1);
  // Both stores learn the (empty) conversation before either writes to it.
  const second = open(file);
  await first.openDirect(alice.id, (await first.findUserByName('bob'))!.id, 1);
  await first.history(1, undefined, 10);
  await second.history(1, undefined, 10);
  await first.appendMessages([send(alice.id, 'alice', 'bob', 'a1')]);
  await expect(second.appendMessages([send(alice.id, 'alice', 'bob', 'b1')])).rejects.toThrow(/messages.prev_id/);
  expect(sharedPlaces(first)).toEqual([]);
});

test('an older database gets every message chained to its predecessor, even where two already share a place', async () => {
  const file = path.join(tempDir('parley-guard-'), 'parley.db');
  const old = new Database(file);
  migrate(old, MIGRATIONS.filter((m) => m.version < 10));
  old.exec(`
    INSERT INTO users (id, username, password_hash, created_at) VALUES (1, 'a', 'h', 1), (2, 'b', 'h', 1), (3, 'c', 'h', 1);
    INSERT INTO conversations (id, kind, user_lo, user_hi, created_at) VALUES (1, 'direct', 1, 2, 1), (2, 'direct', 1, 3, 1);
    INSERT INTO conversation_members (conversation_id, user_id) VALUES (1, 1), (1, 2), (2, 1), (2, 3);
    INSERT INTO messages (id, conversation_id, seq, sender_id, recipient_id, client_msg_id, body, created_at) VALUES
      (1, 1, 1, 1, 2, 'x1', 'x1', 2), (2, 1, 2, 2, 1, 'x2', 'x2', 2), (3, 2, 1, 1, 3, 'y1', 'y1', 2),
      -- What the failed-commit bug once left behind: a second message at (conversation 1, seq 2).
      (4, 1, 2, 3, 1, 'dup', 'dup', 2);`);
  old.close();

  const store = open(file);
  const chain = store.db.prepare('SELECT id, conversation_id AS c, seq, prev_id AS prev FROM messages ORDER BY id').all();
  expect(chain).toEqual([
    { id: 1, c: 1, seq: 1, prev: -1 },
    { id: 2, c: 1, seq: 2, prev: 1 },
    { id: 3, c: 2, seq: 1, prev: -2 },
    { id: 4, c: 1, seq: 2, prev: 2 },
  ]);
  // New messages continue each chain.
  const [next] = await store.appendMessages([send(1, 'a', 'c', 'y2')]);
  expect(next?.message).toMatchObject({ conversationId: 2, seq: 2 });
  expect(store.db.prepare('SELECT prev_id AS prev FROM messages WHERE client_msg_id = ?').get('y2')).toEqual({ prev: 3 });
});

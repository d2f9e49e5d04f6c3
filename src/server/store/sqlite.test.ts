// Unit tests of the SQLite store's set-up: migrations applied step by step, WAL, the durability setting. What every
// store must answer alike is in store-suite.test.ts.
import path from 'node:path';
import { tempDir } from '../../../test/helpers/temp.js';
import Database from 'better-sqlite3';
import { expect, test } from 'vitest';
import { MIGRATIONS } from './migrations.js';
import { migrate, SqliteStore } from './sqlite.js';

const tempFile = () => path.join(tempDir('parley-store-'), 'parley.db');

test('migrations are numbered 1, 2, 3… with no gaps', () => {
  expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
});

test('every step applies to the schema of the step before, and running again changes nothing', () => {
  const db = new Database(tempFile());
  for (let i = 1; i <= MIGRATIONS.length; i++) {
    expect(migrate(db, MIGRATIONS.slice(0, i))).toBe(i);
  }
  expect(migrate(db)).toBe(MIGRATIONS.length);
  db.close();
});

/** A database file migrated up to `version`: alice (1) and bob (2), their conversation 7, and these message rows. */
function fileAtVersion(version: number, messageRows: string): { file: string; old: Database.Database } {
  const file = tempFile();
  const old = new Database(file);
  migrate(old, MIGRATIONS.slice(0, version));
  old.exec(`
    INSERT INTO users (id, username, password_hash, created_at) VALUES (1, 'alice', 'h', 1), (2, 'bob', 'h', 1);
    INSERT INTO conversations (id, kind, user_lo, user_hi, created_at) VALUES (7, 'direct', 1, 2, 1);
    INSERT INTO conversation_members (conversation_id, user_id) VALUES (7, 1), (7, 2);
    INSERT INTO messages (id, conversation_id, seq, sender_id, recipient_id, client_msg_id, body, created_at) VALUES ${messageRows};`);
  return { file, old };
}

test('migration 5 keeps every message and its cursor; the dedupe key is led by the clientMsgId, history goes by span', async () => {
  const { file, old } = fileAtVersion(4, `(40, 7, 1, 1, 2, 'same-id', 'one', 10), (41, 7, 2, 2, 1, 'same-id', 'two', 11)`);
  old.close();

  const store = new SqliteStore({ file });
  expect(store.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
  const kept = await store.history(7, undefined, 10);
  expect(kept.map((m) => [m.cursor, m.seq, m.from, m.clientMsgId, m.body])).toEqual([
    [40, 1, 'alice', 'same-id', 'one'],
    [41, 2, 'bob', 'same-id', 'two'],
  ]);
  const indexes = store.db.pragma('index_list(messages)') as { name: string; unique: number }[];
  const keys = indexes.map((i) => (store.db.pragma(`index_xinfo(${i.name})`) as { name: string | null; key: number }[]).filter((c) => c.key).map((c) => c.name ?? 'expr'));
  expect(Object.fromEntries(indexes.map((i, n) => [keys[n]!.join(','), i.unique]))).toEqual({ 'client_msg_id,sender_id': 1, 'expr,conversation_id,seq,sender_id': 0, prev_id: 1 });
  // A resend from either sender is still recognised; a new id gets the next seq and cursor.
  const [resent, fresh] = await store.appendMessages([
    { senderId: 2, from: 'bob', to: 'alice', clientMsgId: 'same-id', body: 'two again', ts: 12 },
    { senderId: 1, from: 'alice', to: 'bob', clientMsgId: 'new-id', body: 'three', ts: 13 },
  ]);
  expect(resent).toMatchObject({ duplicate: true, message: { cursor: 41, body: 'two' } });
  expect(fresh).toMatchObject({ duplicate: false, message: { cursor: 42, seq: 3 } });
  await store.close();
});

test('migration 6 drops only the foreign keys of messages, in place: the file stays sound and keeps every row', async () => {
  const { file, old } = fileAtVersion(5, `(40, 7, 1, 1, 2, 'a', 'one', 10)`);
  const foreignKeys = (db: Database.Database, table: string) => (db.pragma(`foreign_key_list(${table})`) as { table: string; from: string }[]).map((k) => `${k.from}→${k.table}`).sort();
  expect(foreignKeys(old, 'messages')).toEqual(['conversation_id→conversations', 'recipient_id→users', 'sender_id→users']);
  const tables = (old.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name != 'messages'").all() as { name: string }[]).map((t) => t.name);
  const othersBefore = tables.map((t) => foreignKeys(old, t));
  const indexesBefore = old.prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'index' ORDER BY name").all();
  old.close();

  // Up to migration 6 only: later steps add tables (and indexes) of their own.
  const migrated = new Database(file);
  expect(migrate(migrated, MIGRATIONS.slice(0, 6))).toBe(6);
  expect(foreignKeys(migrated, 'messages')).toEqual([]);
  expect(tables.map((t) => foreignKeys(migrated, t))).toEqual(othersBefore);
  expect(migrated.prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'index' ORDER BY name").all()).toEqual(indexesBefore);
  expect(migrated.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
  // Defensive mode is back on: the schema cannot be edited through SQL any more.
  expect(() => migrated.prepare("UPDATE sqlite_schema SET sql = sql WHERE name = 'messages'").run()).toThrow(/may not be modified/);
  migrated.close();
  const store = new SqliteStore({ file });
  expect((await store.history(7, undefined, 10)).map((m) => [m.cursor, m.body])).toEqual([[40, 'one']]);
  const [next] = await store.appendMessages([{ senderId: 1, from: 'alice', to: 'bob', clientMsgId: 'b', body: 'two', ts: 11 }]);
  expect(next!.message).toMatchObject({ cursor: 41, seq: 2 });
  // Other tables still refuse a reference to nothing.
  expect(() => store.db.prepare('INSERT INTO conversation_members (conversation_id, user_id) VALUES (7, 99)').run()).toThrow(/FOREIGN KEY/);
  await store.close();
  const reopened = new Database(file);
  expect(foreignKeys(reopened, 'messages')).toEqual([]);
  reopened.close();
});

test('migration 7 keeps accounts with keys as they were, with no old bundles; a reset then moves the current one aside', async () => {
  const { file, old } = fileAtVersion(6, `(40, 7, 1, 1, 2, 'a', 'one', 10)`);
  old.exec(`UPDATE users SET salt = 's', kdf = '{"v":1}', key_bundle = 'kb1.v1' WHERE id = 1;
    INSERT INTO identities (user_id, key_version, public_identity, created_at) VALUES (1, 1, 'pub1.v1', 1);`);
  old.close();
  const store = new SqliteStore({ file });
  const reset = (keyVersion: number) => ({ userId: 1, keepSessionId: 0, keyVersion, publicIdentity: `pub1.v${keyVersion}`, keyBundle: `kb1.v${keyVersion}`, now: 2 });
  expect(await store.userKeys(1)).toMatchObject({ keyBundle: 'kb1.v1', publicIdentity: 'pub1.v1', oldKeyBundles: [] });
  expect(await store.resetKeys(reset(3))).toBe('stale-keys');
  expect(await store.resetKeys(reset(2))).toBe(0);
  expect(await store.userKeys(1)).toMatchObject({ keyBundle: 'kb1.v2', publicIdentity: 'pub1.v2', oldKeyBundles: ['kb1.v1'] });
  expect(await store.identities(1)).toEqual(['pub1.v1', 'pub1.v2']);
  expect(await store.contactIds(1)).toEqual([2]);
  await store.close();
});

test('WAL mode, with synchronous NORMAL by default and FULL on request', async () => {
  const normal = new SqliteStore({ file: tempFile() });
  expect(normal.db.pragma('journal_mode', { simple: true })).toBe('wal');
  expect(normal.db.pragma('synchronous', { simple: true })).toBe(1);
  await normal.close();
  const full = new SqliteStore({ file: tempFile(), durability: 'full' });
  expect(full.db.pragma('synchronous', { simple: true })).toBe(2);
  await full.close();
});

test('migration 11: conversations admit groups without a pair, and the file is sound', async () => {
  const store = new SqliteStore({ file: tempFile(), checkpointInWorker: false });
  const { sql } = store.db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'conversations'").get() as { sql: string };
  expect(sql).toContain("CHECK (kind IN ('direct', 'group'))");
  expect(sql).toMatch(/user_lo INTEGER REFERENCES users\(id\),\s+user_hi INTEGER REFERENCES users\(id\)/);
  expect(() => store.db.prepare("INSERT INTO conversations (kind, created_at) VALUES ('channel', 1)").run()).toThrow(/CHECK constraint failed/);
  expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
  expect(store.db.pragma('foreign_key_check')).toEqual([]);
  await store.close();
});

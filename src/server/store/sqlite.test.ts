// Unit tests of the SQLite store's set-up: migrations applied step by step, WAL, the durability setting.
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../../test/helpers/temp.js';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import type { Message } from '../../shared/protocol.js';
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

test('an existing database keeps its data when reopened', async () => {
  const file = tempFile();
  const first = new SqliteStore({ file });
  await first.createUser('alice', 'hash', 1);
  await first.close();
  const second = new SqliteStore({ file });
  expect((await second.findUserByName('alice'))?.passwordHash).toBe('hash');
  expect(await second.findUserByName('Alice')).toBeUndefined();
  await second.close();
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

test('a password change and what commits with it are one transaction: a failure keeps the old hash', async () => {
  const store = new SqliteStore({ file: tempFile() });
  const user = await store.createUser('alice', 'old-hash', 1);
  await expect(
    store.changePassword(user.id, 'new-hash', 0, () => {
      throw new Error('re-sealed keys could not be stored');
    }),
  ).rejects.toThrow('re-sealed keys');
  expect((await store.findUserByName('alice'))?.passwordHash).toBe('old-hash');
  await store.changePassword(user.id, 'new-hash', 0);
  expect((await store.findUserByName('alice'))?.passwordHash).toBe('new-hash');
  await store.close();
});

test('sync (messagesAfter) returns exactly what a plain filter of every message would, for any cursor and page size', async () => {
  const names = ['ann', 'bo', 'cy', 'di'];
  const send = fc.record({ from: fc.nat(3), to: fc.nat(3), id: fc.nat(40) });
  await fc.assert(
    fc.asyncProperty(fc.array(send, { maxLength: 120 }), fc.nat(3), fc.nat(130), fc.integer({ min: 1, max: 30 }), async (sends, reader, after, limit) => {
      const file = tempFile();
      const store = new SqliteStore({ file, checkpointInWorker: false });
      try {
        const ids: number[] = [];
        for (const name of names) ids.push((await store.createUser(name, 'hash', 1)).id);
        // One send per batch or several: resends (the same sender and id) keep their first seq and cursor.
        const stored: Message[] = [];
        const firstOf = new Map<string, Message>();
        for (let i = 0; i < sends.length; i += 7) {
          const batch = sends.slice(i, i + 7).map((s) => ({ senderId: ids[s.from]!, from: names[s.from]!, to: names[s.to]!, clientMsgId: `m${s.id}`, body: 'x', ts: i }));
          for (const result of await store.appendMessages(batch)) {
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
        expect(await store.messagesAfter(ids[reader]!, after, limit)).toEqual(expected);
        // Each conversation's seqs are 1, 2, 3… in cursor order.
        for (const id of new Set(stored.map((m) => m.conversationId))) {
          const seqs = stored.filter((m) => m.conversationId === id).map((m) => m.seq);
          expect(seqs).toEqual(seqs.map((_, i) => i + 1));
        }
      } finally {
        await store.close();
        fs.rmSync(path.dirname(file), { recursive: true, force: true });
      }
    }),
    { numRuns: 300 },
  );
});

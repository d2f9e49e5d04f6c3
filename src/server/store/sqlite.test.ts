// Unit tests of the SQLite store's set-up: migrations applied step by step, WAL, the durability setting.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect, test } from 'vitest';
import { MIGRATIONS } from './migrations.js';
import { migrate, SqliteStore } from './sqlite.js';

const tempFile = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'parley-store-')), 'parley.db');

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

// The WAL is copied into the database by the worker thread, without the writer calling a checkpoint.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';
import { SqliteStore } from './sqlite.js';

test('a worker thread checkpoints the WAL into the database file', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-ckpt-'));
  const file = path.join(dir, 'parley.db');
  const store = new SqliteStore({ file });
  try {
    expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    const alice = await store.createUser('alice', 'h', 0);
    await store.createUser('bob', 'h', 0);
    const sizeBefore = fs.statSync(file).size;
    const batch = Array.from({ length: 2000 }, (_, i) => ({ senderId: alice.id, from: 'alice', to: 'bob', clientMsgId: `m${i}`, body: 'x'.repeat(100), ts: i }));
    await store.appendMessages(batch);
    const deadline = Date.now() + 10_000;
    while (fs.statSync(file).size <= sizeBefore && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(fs.statSync(file).size).toBeGreaterThan(sizeBefore);
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

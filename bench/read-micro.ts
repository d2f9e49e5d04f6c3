// The store's reads on a large history, with the pragmas given, to weigh a store setting against what it costs
// reads: the conversation list, sync from the start and from the middle, and the newest history page.
// The database is made once per size (random 1:1 pairs among 100 users, 100-byte bodies) and kept.
// Usage: node --import tsx bench/read-micro.ts [messages=1000000] [pragma,pragma…]
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../src/server/store/sqlite.js';
import type { NewMessage } from '../src/server/store/store.js';

const total = Number(process.argv[2] ?? 1_000_000);
const pragmas = process.argv[3]?.split(',').filter(Boolean) ?? [];
const USERS = 100;
const ROUNDS = 5;

const dir = join(tmpdir(), `parley-read-micro-${total}`);
const file = join(dir, 'parley.db');
if (!existsSync(file)) {
  const making = `${dir}.making-${process.pid}`;
  mkdirSync(making, { recursive: true });
  const store = new SqliteStore({ file: join(making, 'parley.db') });
  const names: string[] = [];
  for (let i = 0; i < USERS; i++) names.push((await store.createUser(`u${i}`, 'x', 1)).username);
  const body = 'x'.repeat(100);
  for (let k = 0; k < total; ) {
    const batch: NewMessage[] = [];
    for (let j = 0; j < 400 && k < total; j++, k++) {
      const s = (k * 7) % USERS;
      const r = (s + 1 + (k % (USERS - 1))) % USERS;
      batch.push({ senderId: s + 1, from: names[s]!, to: names[r]!, clientMsgId: `c${k.toString(36).padStart(8, '0')}`, body, ts: k });
    }
    await store.appendMessages(batch);
  }
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  renameSync(making, dir);
}

const median = (xs: number[]): number => xs.slice().sort((a, b) => a - b)[xs.length >> 1]!;
const time = async (fn: () => Promise<unknown>): Promise<number> => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};

// A fresh connection per round, so the first read of each round finds SQLite's cache empty (the OS's is warm).
const results: Record<string, number[]> = {};
const record = (name: string, ms: number): void => void (results[name] ??= []).push(ms);
for (let round = 0; round < ROUNDS; round++) {
  const store = new SqliteStore({ file, checkpointInWorker: false });
  for (const p of pragmas) store.db.pragma(p);
  const user = (await store.findUserByName('u0'))!;
  record('conversation list, first', await time(() => store.conversations(user.id)));
  record('conversation list, again', await time(() => store.conversations(user.id)));
  record('sync from 0, 500 messages', await time(() => store.messagesAfter(user.id, 0, 500)));
  record('sync from the middle, 500', await time(() => store.messagesAfter(user.id, Math.floor(total / 2), 500)));
  const conversations = await store.conversations(user.id);
  record('history, newest 50 of 10 conversations', await time(async () => {
    for (const c of conversations.slice(0, 10)) await store.history(c.id, undefined, 50);
  }));
  await store.close();
}
console.log(`${total} messages${pragmas.length ? `, ${pragmas.join(' ')}` : ''} (median of ${ROUNDS}, ms):`);
for (const [name, ms] of Object.entries(results)) console.log(`  ${name.padEnd(40)} ${median(ms).toFixed(2)}`);

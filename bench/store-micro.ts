// The store alone, without network or JSON: CPU per message of SqliteStore.appendMessages in batches,
// to compare schema or pragma changes (run before and after, several times; the machine is shared).
// Usage: node --import tsx bench/store-micro.ts [batch=400] [messages=80000] [pragma,pragma…]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../src/server/store/sqlite.js';
import type { NewMessage } from '../src/server/store/store.js';

const batchSize = Number(process.argv[2] ?? 400);
const total = Number(process.argv[3] ?? 80_000);
const pragmas = process.argv[4]?.split(',') ?? [];
const USERS = 100;

const dir = mkdtempSync(join(tmpdir(), 'parley-store-micro-'));
const store = new SqliteStore({ file: join(dir, 'parley.db') });
for (const p of pragmas) store.db.pragma(p);
const names: string[] = [];
for (let i = 0; i < USERS; i++) names.push((await store.createUser(`u${i}`, 'x', 1)).username);
const body = 'x'.repeat(100);
let k = 0;
const started = process.cpuUsage();
const wall = performance.now();
for (let done = 0; done < total; done += batchSize) {
  const batch: NewMessage[] = [];
  for (let j = 0; j < batchSize; j++, k++) {
    // Random-looking 1:1 pairs among 100 users, as the benchmark sends them.
    const s = (k * 7) % USERS;
    const r = (s + 1 + (k % (USERS - 1))) % USERS;
    batch.push({ senderId: s + 1, from: names[s]!, to: names[r]!, clientMsgId: `c${k}`, body, ts: Date.now() });
  }
  await store.appendMessages(batch);
}
const cpu = process.cpuUsage(started);
console.log(
  `batch ${batchSize}, ${total} messages${pragmas.length ? `, ${pragmas.join(' ')}` : ''}: ` +
    `${((cpu.user + cpu.system) / total).toFixed(1)} µs CPU per message (user ${(cpu.user / total).toFixed(1)}, system ${(cpu.system / total).toFixed(1)}), ` +
    `wall ${(((performance.now() - wall) * 1000) / total).toFixed(1)} µs per message`,
);
await store.close();
rmSync(dir, { recursive: true, force: true });

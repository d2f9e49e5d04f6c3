// What each index of `messages` costs SQLite per message, without Parley around it: one table shaped like
// Parley's, batches of appends in one transaction each, CPU per message (user + system, all threads).
// Usage: node --import tsx bench/schema-micro.ts [variant] ; variant = none | dedupe | history | both | heads |
// dedupe-by-id | both-by-id | span | now
// (both: the schema before migration 5; now: after it, the span index and the dedupe key led by the clientMsgId;
// heads: the dedupe key, no history index, and a small per-conversation table of the last id and seq)
// Environment: MESSAGES (200000), BATCH (400), RANDOM_IDS=1 (random clientMsgIds instead of time-ordered ones).
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const variant = process.argv[2] ?? 'both';
const total = Number(process.env.MESSAGES ?? 200_000);
const batchSize = Number(process.env.BATCH ?? 400);
const randomIds = process.env.RANDOM_IDS === '1';
const USERS = 100;
const INDEXES: Record<string, string> = {
  none: '',
  dedupe: ', UNIQUE (sender_id, client_msg_id)',
  history: ', UNIQUE (conversation_id, seq)',
  both: ', UNIQUE (conversation_id, seq), UNIQUE (sender_id, client_msg_id)',
  heads: ', prev_id INTEGER, UNIQUE (sender_id, client_msg_id)',
  'dedupe-by-id': ', UNIQUE (client_msg_id, sender_id)',
  'both-by-id': ', UNIQUE (conversation_id, seq), UNIQUE (client_msg_id, sender_id)',
  span: '',
  now: ', UNIQUE (client_msg_id, sender_id)',
};
const SPAN_INDEX = 'CREATE INDEX messages_by_span ON messages ((id >> 14), conversation_id, seq, sender_id)';
if (!(variant in INDEXES)) throw new Error(`variant must be one of ${Object.keys(INDEXES).join(', ')}`);

const dir = mkdtempSync(join(tmpdir(), 'parley-schema-micro-'));
const db = new Database(join(dir, 'x.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('foreign_keys = ON');
db.pragma('wal_autocheckpoint = 10000');
db.exec('CREATE TABLE users (id INTEGER PRIMARY KEY); CREATE TABLE conversations (id INTEGER PRIMARY KEY);');
db.transaction(() => {
  for (let i = 1; i <= USERS; i++) db.prepare('INSERT INTO users VALUES (?)').run(i);
  for (let i = 1; i <= USERS * USERS; i++) db.prepare('INSERT INTO conversations VALUES (?)').run(i);
})();
db.exec(`CREATE TABLE messages (id INTEGER PRIMARY KEY, conversation_id INTEGER NOT NULL REFERENCES conversations(id),
  seq INTEGER NOT NULL, sender_id INTEGER NOT NULL REFERENCES users(id), recipient_id INTEGER NOT NULL REFERENCES users(id),
  client_msg_id TEXT NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL ${INDEXES[variant]}) STRICT`);
if (variant === 'span' || variant === 'now') db.exec(SPAN_INDEX);
if (variant === 'heads') {
  db.exec('CREATE TABLE heads (conversation_id INTEGER PRIMARY KEY, last_id INTEGER NOT NULL, last_seq INTEGER NOT NULL) STRICT');
}
const setHead = variant === 'heads' ? db.prepare('INSERT OR REPLACE INTO heads (conversation_id, last_id, last_seq) VALUES (?, ?, ?)') : null;
const insert = db.prepare(
  'INSERT INTO messages (conversation_id, seq, sender_id, recipient_id, client_msg_id, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
);
const ALPHABET = '-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz';
const randomId = (): string => Array.from({ length: 22 }, () => ALPHABET[Math.floor(Math.random() * 64)]).join('');
const seqs = new Map<number, number>();
const body = 'x'.repeat(100);
type Row = [conversation: number, sender: number, recipient: number, clientMsgId: string];
const append = db.transaction((rows: Row[]) => {
  for (const [conversation, sender, recipient, clientMsgId] of rows) {
    const seq = (seqs.get(conversation) ?? 0) + 1;
    seqs.set(conversation, seq);
    const id = insert.run(conversation, seq, sender, recipient, clientMsgId, body, Date.now()).lastInsertRowid;
    setHead?.run(conversation, id, seq);
  }
});

let k = 0;
const started = process.cpuUsage();
for (let done = 0; done < total; done += batchSize) {
  const rows: Row[] = [];
  for (let j = 0; j < batchSize; j++, k++) {
    // Random-looking 1:1 pairs among 100 users, as the benchmark sends them.
    const s = (k * 7) % USERS;
    const r = (s + 1 + (k % (USERS - 1))) % USERS;
    rows.push([Math.min(s, r) * USERS + Math.max(s, r) + 1, s + 1, r + 1, randomIds ? randomId() : `c${String(k).padStart(10, '0')}`]);
  }
  append(rows);
}
const cpu = process.cpuUsage(started);
console.log(
  `${variant}${randomIds ? ', random ids' : ''}, batch ${batchSize}: ${((cpu.user + cpu.system) / total).toFixed(1)} µs CPU per message ` +
    `(system ${(cpu.system / total).toFixed(1)})`,
);
db.close();
rmSync(dir, { recursive: true, force: true });

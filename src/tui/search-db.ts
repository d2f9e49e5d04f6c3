// The terminal's search index file: one SQLite database per profile, an FTS5 table over blinded tokens.
import fs from 'node:fs';
import Database from 'better-sqlite3';
import type { SearchEntry, SearchRow, SearchStore } from '../shared/client/search-store.js';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS rows (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    cursor INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    sealed BLOB NOT NULL,
    UNIQUE (conversation_id, seq)
  );
  CREATE INDEX IF NOT EXISTS rows_newest ON rows (ts DESC, cursor DESC);
  -- Contentless, without positions: FTS5 keeps only which rows hold which (blinded) token.
  CREATE VIRTUAL TABLE IF NOT EXISTS terms USING fts5(tokens, content='', detail=none, tokenize='ascii');
`;

interface RowRecord {
  conversation_id: number;
  seq: number;
  cursor: number;
  ts: number;
  sealed: Buffer;
}

/** Opens (creating, mode 0600) the index file; a file SQLite cannot read is replaced, since the index can be rebuilt. */
export function openSearchDb(file: string): SearchStore {
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  let db: Database.Database;
  try {
    db = connect(file);
  } catch {
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
    fs.closeSync(fs.openSync(file, 'a', 0o600));
    db = connect(file);
  }
  return sqliteStore(db);
}

function connect(file: string): Database.Database {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('secure_delete = ON');
    db.exec(SCHEMA);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function sqliteStore(db: Database.Database): SearchStore {
  const getMeta = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE name = ?');
  const setMeta = db.prepare('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value');
  const insertRow = db.prepare('INSERT OR IGNORE INTO rows (conversation_id, seq, cursor, ts, sealed) VALUES (?, ?, ?, ?, ?)');
  const insertTerms = db.prepare('INSERT INTO terms (rowid, tokens) VALUES (?, ?)');
  const add = db.transaction((entries: readonly SearchEntry[]) => {
    for (const e of entries) {
      const result = insertRow.run(e.conversationId, e.seq, e.cursor, e.ts, Buffer.from(e.sealed));
      if (result.changes === 1) insertTerms.run(result.lastInsertRowid, e.tokens.join(' '));
    }
  });
  const clear = db.transaction(() => {
    db.exec("DELETE FROM rows; DELETE FROM meta; INSERT INTO terms (terms) VALUES ('delete-all');");
  });
  const select = 'SELECT r.conversation_id, r.seq, r.cursor, r.ts, r.sealed FROM terms JOIN rows r ON r.id = terms.rowid WHERE terms MATCH ?';
  const order = 'ORDER BY r.ts DESC, r.cursor DESC LIMIT ?';
  const findAll = db.prepare<[string, number], RowRecord>(`${select} ${order}`);
  const findIn = db.prepare<[string, number, number], RowRecord>(`${select} AND r.conversation_id = ? ${order}`);
  const toRow = (r: RowRecord): SearchRow => ({ conversationId: r.conversation_id, seq: r.seq, cursor: r.cursor, ts: r.ts, sealed: new Uint8Array(r.sealed) });
  return {
    get: async (name) => getMeta.get(name)?.value ?? null,
    set: async (name, value) => void setMeta.run(name, value),
    add: async (entries) => add(entries),
    find: async (tokens, { conversationId, limit }) => {
      // Tokens are hex, so quoting each one is all the FTS5 query syntax needs; listed terms must all match.
      const match = tokens.map((t) => `"${t}"`).join(' ');
      const rows = conversationId === undefined ? findAll.all(match, limit) : findIn.all(match, conversationId, limit);
      return rows.map(toRow);
    },
    clear: async () => clear(),
    close: async () => void db.close(),
  };
}

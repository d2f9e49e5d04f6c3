// The embedded store: one SQLite file in WAL mode through better-sqlite3, the default log of record.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ParleyError } from '../../shared/errors.js';
import type { ConversationSummary, Message } from '../../shared/protocol.js';
import { assertTestOnly, type Fault } from '../faults.js';
import { LateCommit, withoutDedupeKey } from './faults.js';
import { Checkpointer } from './checkpointer.js';
import { MIGRATIONS, type Migration } from './migrations.js';
import type { AppendResult, NewMessage, NewSession, ReadResult, SessionListing, SessionRow, Store, UserRow } from './store.js';

/**
 * `normal`: in WAL mode a commit is in the OS's hands before the ack, so it survives a crash of the
 * process, but the last commits before a power loss may be lost. `full`: every commit is fsynced
 * before the ack, so it also survives a power loss, at the cost of one fsync per group commit.
 */
export type Durability = 'normal' | 'full';

export interface SqliteStoreOptions {
  file: string;
  durability?: Durability;
  migrations?: readonly Migration[];
  /** Checkpoint the WAL on a worker thread (the default); false keeps SQLite's own checkpoints. */
  checkpointInWorker?: boolean;
  /** Test-only fault switches (../faults.ts); refused outside tests. */
  faults?: readonly Fault[];
}

const FALLBACK_AUTOCHECKPOINT_PAGES = 10_000;

interface MessageRow {
  id: number;
  recipient_id: number;
  conversation_id: number;
  seq: number;
  from_name: string;
  to_name: string;
  client_msg_id: string;
  body: string;
  created_at: number;
}

interface SummaryRow {
  id: number;
  peer: string;
  last_seq: number;
  read_seq: number;
  peer_read_seq: number;
  unread: number;
  last_cursor: number | null;
  epoch: number;
}

const MESSAGE_COLUMNS = `
  m.id, m.recipient_id, m.conversation_id, m.seq, s.username AS from_name, r.username AS to_name,
  m.client_msg_id, m.body, m.created_at
  FROM messages m JOIN users s ON s.id = m.sender_id JOIN users r ON r.id = m.recipient_id`;

const SUMMARY_QUERY = `
  SELECT c.id, pu.username AS peer, c.epoch, me.read_seq, peer.read_seq AS peer_read_seq,
    (SELECT count(*) FROM messages u
      WHERE u.conversation_id = c.id AND u.seq > me.read_seq AND u.sender_id <> me.user_id) AS unread,
    -- The newest message, from the (conversation_id, seq) index; last_seq is its seq (0 when empty).
    (SELECT l.id FROM messages l WHERE l.conversation_id = c.id ORDER BY l.seq DESC LIMIT 1) AS last_cursor,
    coalesce((SELECT max(l.seq) FROM messages l WHERE l.conversation_id = c.id), 0) AS last_seq
  FROM conversation_members me
  JOIN conversations c ON c.id = me.conversation_id
  -- A conversation with yourself (notes to self) has one member, who is then also the peer.
  JOIN conversation_members peer ON peer.conversation_id = c.id AND (peer.user_id <> me.user_id OR c.user_lo = c.user_hi)
  JOIN users pu ON pu.id = peer.user_id
  WHERE me.user_id = ?`;

const toMessage = (row: MessageRow): Message => ({
  cursor: row.id,
  conversationId: row.conversation_id,
  seq: row.seq,
  from: row.from_name,
  to: row.to_name,
  clientMsgId: row.client_msg_id,
  body: row.body,
  ts: row.created_at,
});

/** Applies every migration newer than the file's `user_version`, each in its own transaction. */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (const step of migrations) {
    if (step.version <= current) continue;
    db.transaction(() => {
      db.exec(step.sql);
      db.pragma(`user_version = ${step.version}`);
    })();
  }
  return db.pragma('user_version', { simple: true }) as number;
}

export class SqliteStore implements Store {
  readonly file: string;
  readonly db: Database.Database;
  // Usernames and direct-conversation membership never change, so they are cached for the hot path.
  private readonly userIds = new Map<string, number>();
  private readonly directIds = new Map<string, number>();
  private readonly members = new Map<number, number[]>();
  /**
   * The last seq of each conversation used since start. The store is the only writer, so the
   * cache is exact; it replaces an UPDATE of the conversation row per message, which cost as much
   * as the message's own INSERT (bench/RESULTS.md). Read from the (conversation_id, seq) index on first use.
   */
  private readonly lastSeqs = new Map<number, number>();
  private readonly stmt;
  private readonly appendTx;
  private readonly checkpointer: Checkpointer | null = null;
  /** Set when the worker found the WAL large: the next commit finishes the checkpoint (see Checkpointer). */
  private finishCheckpoint = false;
  private readonly skipDedupe: boolean;
  private readonly lateCommit: LateCommit | undefined;

  constructor(options: SqliteStoreOptions) {
    this.file = options.file;
    fs.mkdirSync(path.dirname(options.file), { recursive: true });
    this.db = new Database(options.file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.durability === 'full' ? 'FULL' : 'NORMAL'}`);
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
    const faults = options.faults ?? [];
    // Checked here too, not only where the variable is read, so no other path can switch a fault on.
    assertTestOnly(faults, process.env.NODE_ENV);
    this.skipDedupe = faults.includes('skip-dedupe');
    this.lateCommit = faults.includes('ack-before-commit') ? new LateCommit(this.db) : undefined;
    migrate(this.db, this.skipDedupe ? withoutDedupeKey(options.migrations ?? MIGRATIONS) : options.migrations);
    // A checkpoint fsyncs the WAL and the database; on the event loop that stalled every request
    // behind it (bench/RESULTS.md), so a worker thread does it. Should the worker fail, the
    // connection checkpoints itself again, every ~40 MB of WAL rather than SQLite's 4 MB, which
    // copies each hot index page back once per checkpoint instead of ten times.
    const synchronous = options.durability === 'full' ? 'FULL' : 'NORMAL';
    if (options.checkpointInWorker !== false && this.db.pragma('journal_mode', { simple: true }) === 'wal') {
      this.db.pragma('wal_autocheckpoint = 0');
      this.checkpointer = new Checkpointer({
        file: options.file,
        synchronous,
        onLargeWal: () => (this.finishCheckpoint = true),
        onFailure: () => {
          if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
        },
      });
    } else {
      this.db.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
    }

    const db = this.db;
    this.stmt = {
      insertUser: db.prepare<[string, string, number]>(
        'INSERT INTO users (username, password_hash, created_at) VALUES (?, ?, ?)',
      ),
      userByName: db.prepare<[string], { id: number; username: string; password_hash: string; created_at: number }>(
        'SELECT id, username, password_hash, created_at FROM users WHERE username = ?',
      ),
      insertSession: db.prepare<[number, Buffer, string | null, string | null, number, number]>(
        'INSERT INTO sessions (user_id, token_hash, device, address, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      sessionByToken: db.prepare<[Buffer], { id: number; user_id: number; username: string; device: string | null; created_at: number; last_seen_at: number }>(
        `SELECT s.id, s.user_id, u.username, s.device, s.created_at, s.last_seen_at
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?`,
      ),
      touchSession: db.prepare<[number, string | null, number]>(
        'UPDATE sessions SET last_seen_at = ?, address = coalesce(?, address) WHERE id = ?',
      ),
      deleteSession: db.prepare<[number]>('DELETE FROM sessions WHERE id = ?'),
      deleteIdleSessions: db.prepare<[number]>('DELETE FROM sessions WHERE last_seen_at < ?'),
      sessionsOf: db.prepare<[number], { id: number; device: string | null; address: string | null; created_at: number; last_seen_at: number }>(
        'SELECT id, device, address, created_at, last_seen_at FROM sessions WHERE user_id = ? ORDER BY last_seen_at DESC, id DESC',
      ),
      deleteUserSession: db.prepare<[number, number]>('DELETE FROM sessions WHERE id = ? AND user_id = ?'),
      deleteOtherSessions: db.prepare<[number, number]>('DELETE FROM sessions WHERE user_id = ? AND id <> ?'),
      setPasswordHash: db.prepare<[string, number]>('UPDATE users SET password_hash = ? WHERE id = ?'),
      directByPair: db.prepare<[number, number], { id: number }>(
        'SELECT id FROM conversations WHERE user_lo = ? AND user_hi = ?',
      ),
      insertDirect: db.prepare<[number, number, number]>(
        "INSERT INTO conversations (kind, user_lo, user_hi, created_at) VALUES ('direct', ?, ?, ?)",
      ),
      insertMember: db.prepare<[number, number]>(
        'INSERT INTO conversation_members (conversation_id, user_id) VALUES (?, ?)',
      ),
      membersOf: db.prepare<[number], { user_id: number }>(
        'SELECT user_id FROM conversation_members WHERE conversation_id = ?',
      ),
      // Answered from the (sender_id, client_msg_id) index alone; read only after an insert was refused as a resend.
      duplicateId: db.prepare<[number, string], { id: number }>('SELECT id FROM messages WHERE sender_id = ? AND client_msg_id = ?'),
      lastSeq: db.prepare<[number], { last_seq: number }>(
        'SELECT coalesce(max(seq), 0) AS last_seq FROM messages WHERE conversation_id = ?',
      ),
      // A resend (same sender and clientMsgId) inserts nothing (changes = 0): one index probe, not a lookup and an
      // insert. Without the dedupe key (the skip-dedupe fault) the clause would name no constraint, so it is left out.
      insertMessage: db.prepare<[number, number, number, number, string, string, number]>(
        `INSERT INTO messages (conversation_id, seq, sender_id, recipient_id, client_msg_id, body, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)${this.skipDedupe ? '' : ' ON CONFLICT (sender_id, client_msg_id) DO NOTHING'}`,
      ),
      conversationsOf: db.prepare<[number], { conversation_id: number }>(
        'SELECT conversation_id FROM conversation_members WHERE user_id = ?',
      ),
      // Probes of the (conversation_id, seq) index, which holds the id (the cursor) too.
      newestId: db.prepare<[number], { id: number }>('SELECT id FROM messages WHERE conversation_id = ? ORDER BY seq DESC LIMIT 1'),
      firstAtOrAfter: db.prepare<[number, number], { id: number; seq: number }>(
        'SELECT id, seq FROM messages WHERE conversation_id = ? AND seq >= ? ORDER BY seq LIMIT 1',
      ),
      idsFrom: db.prepare<[number, number, number], { id: number }>(
        'SELECT id FROM messages WHERE conversation_id = ? AND seq >= ? ORDER BY seq LIMIT ?',
      ),
      messagesByIds: db.prepare<[string], MessageRow>(
        `SELECT ${MESSAGE_COLUMNS} WHERE m.id IN (SELECT value FROM json_each(?)) ORDER BY m.id`,
      ),
      history: db.prepare<[number, number, number], MessageRow>(
        `SELECT ${MESSAGE_COLUMNS} WHERE m.conversation_id = ? AND m.seq < ? ORDER BY m.seq DESC LIMIT ?`,
      ),
      messageByCursor: db.prepare<[number], MessageRow>(`SELECT ${MESSAGE_COLUMNS} WHERE m.id = ?`),
      summaries: db.prepare<[number], SummaryRow>(`${SUMMARY_QUERY} AND last_cursor IS NOT NULL ORDER BY last_cursor DESC`),
      summary: db.prepare<[number, number], SummaryRow>(`${SUMMARY_QUERY} AND c.id = ?`),
      markRead: db.prepare<[number, number, number, number]>(
        `UPDATE conversation_members
         SET read_seq = min(?, coalesce((SELECT max(seq) FROM messages WHERE messages.conversation_id = conversation_members.conversation_id), 0))
         WHERE user_id = ? AND conversation_id = ? AND read_seq < ?`,
      ),
      readSeq: db.prepare<[number, number], { read_seq: number }>(
        'SELECT read_seq FROM conversation_members WHERE user_id = ? AND conversation_id = ?',
      ),
    };

    this.appendTx = db.transaction((batch: readonly NewMessage[]): AppendResult[] =>
      batch.map((m) => this.appendOne(m)),
    );
  }

  async createUser(username: string, passwordHash: string, now: number): Promise<UserRow> {
    try {
      const info = this.stmt.insertUser.run(username, passwordHash, now);
      const id = Number(info.lastInsertRowid);
      this.userIds.set(username, id);
      return { id, username, passwordHash, createdAt: now };
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new ParleyError('USERNAME_TAKEN', 'That username is taken. Choose another.');
      }
      throw error;
    }
  }

  async findUserByName(username: string): Promise<UserRow | undefined> {
    const row = this.stmt.userByName.get(username);
    if (!row) return undefined;
    this.userIds.set(row.username, row.id);
    return { id: row.id, username: row.username, passwordHash: row.password_hash, createdAt: row.created_at };
  }

  async findUserIdByName(username: string): Promise<number | undefined> {
    return this.userIdByName(username);
  }

  private userIdByName(username: string): number | undefined {
    const cached = this.userIds.get(username);
    if (cached !== undefined) return cached;
    const row = this.stmt.userByName.get(username);
    if (row) this.userIds.set(row.username, row.id);
    return row?.id;
  }

  async createSession(s: NewSession): Promise<SessionRow> {
    const info = this.stmt.insertSession.run(s.userId, s.tokenHash, s.device, s.address, s.now, s.now);
    const row = this.stmt.sessionByToken.get(s.tokenHash);
    if (!row) throw new Error('session vanished after insert');
    return { id: Number(info.lastInsertRowid), userId: s.userId, username: row.username, device: s.device, createdAt: s.now, lastSeenAt: s.now };
  }

  async findSessionByTokenHash(tokenHash: Buffer): Promise<SessionRow | undefined> {
    const row = this.stmt.sessionByToken.get(tokenHash);
    return row && { id: row.id, userId: row.user_id, username: row.username, device: row.device, createdAt: row.created_at, lastSeenAt: row.last_seen_at };
  }

  async touchSession(sessionId: number, now: number, address: string | null): Promise<void> {
    this.stmt.touchSession.run(now, address, sessionId);
  }

  async deleteIdleSessions(before: number): Promise<number> {
    return this.stmt.deleteIdleSessions.run(before).changes;
  }

  async deleteSession(sessionId: number): Promise<void> {
    this.stmt.deleteSession.run(sessionId);
  }

  async listSessions(userId: number): Promise<SessionListing[]> {
    return this.stmt.sessionsOf.all(userId).map((r) => ({
      id: r.id,
      device: r.device,
      address: r.address,
      createdAt: r.created_at,
      lastSeenAt: r.last_seen_at,
    }));
  }

  async deleteUserSession(userId: number, sessionId: number): Promise<boolean> {
    return this.stmt.deleteUserSession.run(sessionId, userId).changes > 0;
  }

  async deleteUserSessions(userId: number, keep = 0): Promise<number> {
    return this.stmt.deleteOtherSessions.run(userId, keep).changes;
  }

  async changePassword(userId: number, passwordHash: string, keepSessionId: number, alsoInTransaction?: () => void): Promise<number> {
    return this.db.transaction(() => {
      this.stmt.setPasswordHash.run(passwordHash, userId);
      alsoInTransaction?.();
      return this.stmt.deleteOtherSessions.run(userId, keepSessionId).changes;
    })();
  }

  async openDirect(userId: number, peerId: number, now: number): Promise<number> {
    return this.db.transaction(() => this.directId(userId, peerId, now))();
  }

  async appendMessages(batch: readonly NewMessage[]): Promise<AppendResult[]> {
    try {
      const results = this.lateCommit ? this.lateCommit.run(() => this.appendTx(batch)) : this.appendTx(batch);
      if (this.finishCheckpoint) {
        this.finishCheckpoint = false;
        // Only the frames written since the worker's checkpoint are left to copy, so this is short.
        this.db.pragma('wal_checkpoint(PASSIVE)');
      }
      return results;
    } catch (error) {
      // The transaction rolled back: conversations it created in the caches no longer exist.
      this.directIds.clear();
      this.members.clear();
      this.lastSeqs.clear();
      throw error;
    }
  }

  /**
   * The user's messages with a cursor past `after`, oldest first, at most `limit`. Per conversation the
   * first seq past the cursor is found by bisection (ids rise with seq), so a conversation with nothing new
   * costs one index probe and one with news log(n) probes plus its new ids.
   */
  async messagesAfter(userId: number, after: number, limit: number): Promise<Message[]> {
    const ids: number[] = [];
    for (const { conversation_id: conversationId } of this.stmt.conversationsOf.all(userId)) {
      const newest = this.stmt.newestId.get(conversationId);
      if (!newest || newest.id <= after) continue;
      const from = this.firstSeqAfter(conversationId, after);
      for (const row of this.stmt.idsFrom.all(conversationId, from, limit)) ids.push(row.id);
    }
    if (ids.length === 0) return [];
    ids.sort((a, b) => a - b);
    return this.stmt.messagesByIds.all(JSON.stringify(ids.slice(0, limit))).map(toMessage);
  }

  /** The smallest seq whose message has an id past `after`; the conversation's newest message must be past it. */
  private firstSeqAfter(conversationId: number, after: number): number {
    let lo = 1;
    let hi = this.lastSeqOf(conversationId);
    while (lo < hi) {
      const mid = lo + Math.floor((hi - lo) / 2);
      // The first message at or after mid (seqs have no gaps, but a probe that allowed one would still be right).
      const probe = this.stmt.firstAtOrAfter.get(conversationId, mid);
      if (!probe || probe.id > after) hi = mid;
      else lo = probe.seq + 1;
    }
    return lo;
  }

  async history(conversationId: number, before: number | undefined, limit: number): Promise<Message[]> {
    return this.stmt.history.all(conversationId, before ?? Number.MAX_SAFE_INTEGER, limit).map(toMessage).reverse();
  }

  async conversations(userId: number): Promise<ConversationSummary[]> {
    return this.stmt.summaries.all(userId).map((row) => this.toSummary(row));
  }

  async conversation(userId: number, conversationId: number): Promise<ConversationSummary | undefined> {
    const row = this.stmt.summary.get(userId, conversationId);
    return row && this.toSummary(row);
  }

  async peersOf(userId: number, conversationId: number): Promise<number[] | undefined> {
    const members = this.membersOf(conversationId);
    return members.includes(userId) ? members.filter((id) => id !== userId) : undefined;
  }

  async markRead(userId: number, conversationId: number, seq: number): Promise<ReadResult | undefined> {
    const peers = await this.peersOf(userId, conversationId);
    if (!peers) return undefined;
    const changed = this.stmt.markRead.run(seq, userId, conversationId, seq).changes > 0;
    const readSeq = this.stmt.readSeq.get(userId, conversationId)?.read_seq ?? 0;
    return { readSeq, memberIds: peers, changed };
  }

  isOpen(): boolean {
    return this.db.open;
  }

  async close(): Promise<void> {
    this.lateCommit?.commit();
    await this.checkpointer?.close();
    if (this.db.open) this.db.close();
  }

  private resendOf(cursor: number): AppendResult {
    const existing = this.stmt.messageByCursor.get(cursor)!;
    return { message: toMessage(existing), recipientId: existing.recipient_id, duplicate: true };
  }

  private lastSeqOf(conversationId: number): number {
    return this.lastSeqs.get(conversationId) ?? this.stmt.lastSeq.get(conversationId)!.last_seq;
  }

  private appendOne(m: NewMessage): AppendResult {
    const recipientId = this.userIdByName(m.to);
    // Accounts are never deleted, so a resend's recipient exists too: an unknown one is never a resend.
    if (recipientId === undefined) return { message: null };
    let conversationId = this.existingDirectId(m.senderId, recipientId);
    if (conversationId === undefined) {
      // The first message between these two, or a resend whose clientMsgId went to someone else before: only
      // the former may create the conversation (the rare path, so the lookup costs nothing per message).
      const earlier = this.skipDedupe ? undefined : this.stmt.duplicateId.get(m.senderId, m.clientMsgId);
      if (earlier) return this.resendOf(earlier.id);
      conversationId = this.directId(m.senderId, recipientId, m.ts);
    }
    const seq = this.lastSeqOf(conversationId) + 1;
    const info = this.stmt.insertMessage.run(conversationId, seq, m.senderId, recipientId, m.clientMsgId, m.body, m.ts);
    // Refused by the dedupe key: a resend. The original keeps its seq and cursor, and this one takes no seq.
    if (info.changes === 0) return this.resendOf(this.stmt.duplicateId.get(m.senderId, m.clientMsgId)!.id);
    this.lastSeqs.set(conversationId, seq);
    const message: Message = {
      cursor: Number(info.lastInsertRowid),
      conversationId,
      seq,
      from: m.from,
      to: m.to,
      clientMsgId: m.clientMsgId,
      body: m.body,
      ts: m.ts,
    };
    return { message, recipientId, duplicate: false };
  }

  /** Must run inside a transaction: creates the conversation and its members on first use. */
  /** The direct conversation of two users, if it exists. */
  private existingDirectId(a: number, b: number): number | undefined {
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    const key = `${lo}:${hi}`;
    let id = this.directIds.get(key);
    if (id === undefined) {
      id = this.stmt.directByPair.get(lo, hi)?.id;
      if (id !== undefined) this.directIds.set(key, id);
    }
    return id;
  }

  private directId(a: number, b: number, now: number): number {
    const existing = this.existingDirectId(a, b);
    if (existing !== undefined) return existing;
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    const id = Number(this.stmt.insertDirect.run(lo, hi, now).lastInsertRowid);
    this.stmt.insertMember.run(id, lo);
    if (hi !== lo) this.stmt.insertMember.run(id, hi);
    this.directIds.set(`${lo}:${hi}`, id);
    return id;
  }

  private membersOf(conversationId: number): number[] {
    let members = this.members.get(conversationId);
    if (!members) {
      members = this.stmt.membersOf.all(conversationId).map((r) => r.user_id);
      if (members.length > 0) this.members.set(conversationId, members);
    }
    return members;
  }

  private toSummary(row: SummaryRow): ConversationSummary {
    const last = row.last_cursor === null ? undefined : this.stmt.messageByCursor.get(row.last_cursor);
    return {
      id: row.id,
      kind: 'direct',
      peer: row.peer,
      lastSeq: row.last_seq,
      readSeq: row.read_seq,
      peerReadSeq: row.peer_read_seq,
      unread: row.unread,
      lastMessage: last ? toMessage(last) : null,
      epoch: row.epoch,
    };
  }
}

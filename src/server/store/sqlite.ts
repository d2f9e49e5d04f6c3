// The embedded store: one SQLite file in WAL mode through better-sqlite3, the default log of record.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ParleyError } from '../../shared/errors.js';
import type { ConversationSummary, Message } from '../../shared/protocol.js';
import { Checkpointer } from './checkpointer.js';
import { SpanReader, spanOf, SYNC_SPANS } from './spans.js';
import { migrate, type Migration } from './migrations.js';
import { MessageWriter } from './message-writer.js';
import { StoreParts } from './store-parts.js';
import { SqliteKeys } from './keys.js';
import { SqliteGroups } from './groups.js';
import { Rosters } from './rosters.js';
import { prepareStatements, toMessage, type Statements, type SummaryRow } from './statements.js';
import { groupSummary, type SummaryReaders } from './group-summary.js';
import type {
  AppendResultOf,
  KeyReset,
  NewAccount,
  NewMessage,
  NewSession,
  PasswordChange,
  ReadResult,
  MembershipRefusal,
  NewGroup,
  SessionListing,
  SessionRow,
  StaleKeys,
  Store,
  UserRow,
} from './store.js';

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
}

const FALLBACK_AUTOCHECKPOINT_PAGES = 10_000;

export { migrate } from './migrations.js';

export class SqliteStore extends StoreParts implements Store {
  readonly file: string;
  readonly db: Database.Database;
  private readonly stmt: Statements;
  /** Each conversation's current members, cached (a group's is forgotten after each membership change). */
  private readonly rosters: Rosters;
  private readonly writer: MessageWriter;
  /** The end-to-end key tables, on this connection, so key writes share a transaction with the rest. */
  #keys: SqliteKeys | undefined;
  #groups: SqliteGroups | undefined;
  private readonly spans: SpanReader;
  private readonly checkpointer: Checkpointer | null = null;
  /** Set when the worker found the WAL large: the next commit finishes the checkpoint (see Checkpointer). */
  private finishCheckpoint = false;

  constructor(options: SqliteStoreOptions) {
    super();
    this.file = options.file;
    fs.mkdirSync(path.dirname(options.file), { recursive: true });
    this.db = new Database(options.file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.durability === 'full' ? 'FULL' : 'NORMAL'}`);
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
    migrate(this.db, options.migrations);
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

    this.stmt = prepareStatements(this.db);
    this.spans = new SpanReader(this.stmt);
    this.rosters = new Rosters(this.stmt);
    this.writer = new MessageWriter(this.db, this.stmt, this.spans, this.rosters);
  }

  private get readers(): SummaryReaders {
    return { stmt: this.stmt, spans: this.spans, headOf: (id) => this.writer.headOf(id) };
  }

  /** Prepared on first use: a store opened at an older schema (the migration tests) has no key tables. */
  protected get keys(): SqliteKeys {
    return (this.#keys ??= new SqliteKeys(this.db));
  }

  /** Prepared on first use, like the key tables. */
  protected get groups(): SqliteGroups {
    return (this.#groups ??= new SqliteGroups(
      this.db,
      { newestCursor: () => this.stmt.newestId.get()!.id, lastSeq: (id) => this.writer.headOf(id).lastSeq },
      this.rosters,
    ));
  }

  async createUser(username: string, passwordHash: string, now: number): Promise<UserRow> {
    const user = this.insertUser(username, passwordHash, now);
    this.writer.rememberUser(username, user.id);
    return user;
  }

  async register(account: NewAccount): Promise<{ user: UserRow; session: SessionRow }> {
    return this.writer.transaction((staged) =>
      this.db.transaction(() => {
        const user = this.insertUser(account.username, account.passwordHash, account.now);
        staged.userIds.set(user.username, user.id);
        if (account.keys) this.keys.setUserKeys(user.id, account.keys, account.now);
        return { user, session: this.insertSession({ ...account.session, userId: user.id, now: account.now }) };
      })(),
    );
  }

  private insertUser(username: string, passwordHash: string, now: number): UserRow {
    try {
      const info = this.stmt.insertUser.run(username, passwordHash, now);
      return { id: Number(info.lastInsertRowid), username, passwordHash, createdAt: now };
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
    this.writer.rememberUser(row.username, row.id);
    return { id: row.id, username: row.username, passwordHash: row.password_hash, createdAt: row.created_at };
  }

  async findUserIdByName(username: string): Promise<number | undefined> {
    return this.writer.userIdByName(username);
  }

  async createSession(s: NewSession): Promise<SessionRow> {
    return this.insertSession(s);
  }

  private insertSession(s: NewSession): SessionRow {
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

  async changePassword({ userId, passwordHash, keepSessionId, keys }: PasswordChange): Promise<number | StaleKeys> {
    return this.db.transaction((): number | StaleKeys => {
      // Checked before anything is written, so a refusal commits an empty transaction.
      if (keys && !this.keys.rewrap(userId, keys)) return 'stale-keys';
      this.stmt.setPasswordHash.run(passwordHash, userId);
      return keepSessionId === 'all' ? 0 : this.stmt.deleteOtherSessions.run(userId, keepSessionId).changes;
    })();
  }

  async resetKeys(reset: KeyReset): Promise<number | StaleKeys> {
    return this.db.transaction((): number | StaleKeys => {
      if (!this.keys.resetKeys(reset.userId, reset.keyVersion, reset.publicIdentity, reset.keyBundle, reset.now)) return 'stale-keys';
      return this.stmt.deleteOtherSessions.run(reset.userId, reset.keepSessionId).changes;
    })();
  }

  async createGroup(group: NewGroup): Promise<{ conversationId: number } | MembershipRefusal> {
    return this.writer.transaction((staged) => this.groups.create(group, staged.heads));
  }

  async openDirect(userId: number, peerId: number, now: number): Promise<number> {
    return this.writer.openDirect(userId, peerId, now);
  }

  async appendMessages<M extends NewMessage>(batch: readonly M[]): Promise<AppendResultOf<M>[]> {
    // The writer answers a direct send with a direct result only (MessageWriter.appendOne).
    const results = this.writer.append(batch) as AppendResultOf<M>[];
    if (this.finishCheckpoint) {
      this.finishCheckpoint = false;
      // Only the frames written since the worker's checkpoint are left to copy, so this is short.
      this.db.pragma('wal_checkpoint(PASSIVE)');
    }
    return results;
  }

  /**
   * The user's messages with a cursor past `after`, oldest first, at most `limit`. All the user's
   * conversations are searched a few spans at a time, oldest first: once one such step has found `limit`
   * messages, every later one only holds larger cursors, so a long-offline user's sync reads the spans it
   * returns and not the whole history since.
   */
  async messagesAfter(userId: number, after: number, limit: number): Promise<Message[]> {
    // Each conversation within the user's window on it (a group's: from joining to leaving); one with nothing new
    // there costs no probe at all.
    const windows = this.stmt.conversationsOf
      .all(userId)
      .map((row) => ({ id: row.conversation_id, after: Math.max(after, row.joined_cursor), upTo: row.left_cursor ?? this.writer.headOf(row.conversation_id).lastId }))
      .filter((w) => w.upTo > w.after);
    const ids: number[] = [];
    const last = Math.max(0, ...windows.map((w) => spanOf(w.upTo)));
    for (let lo = spanOf(after + 1); lo <= last && ids.length < limit; lo += SYNC_SPANS) {
      for (const w of windows) {
        const hi = Math.min(lo + SYNC_SPANS - 1, spanOf(w.upTo));
        if (hi >= lo) ids.push(...this.spans.idsAfter(w.id, w.after, lo, hi, limit).filter((id) => id <= w.upTo));
      }
    }
    if (ids.length === 0) return [];
    ids.sort((a, b) => a - b);
    return this.stmt.messagesByIds.all(JSON.stringify(ids.slice(0, limit))).map(toMessage);
  }

  async history(conversationId: number, before: number | undefined, limit: number): Promise<Message[]> {
    const head = this.writer.headOf(conversationId);
    const below = Math.min(before ?? Number.MAX_SAFE_INTEGER, head.lastSeq + 1);
    return this.spans.before(conversationId, head.lastId, below, limit).map(toMessage).reverse();
  }

  async conversations(userId: number): Promise<ConversationSummary[]> {
    const direct = this.stmt.summaries
      .all(userId)
      .map((row) => this.toSummary(userId, row))
      .filter((summary) => summary.lastMessage !== null);
    // Groups are listed from their creation on, messages or not; those without any sort last, newest first.
    const groups = this.stmt.groupSummaries.all(userId).map((row) => groupSummary(this.readers, userId, row));
    const at = (c: ConversationSummary) => c.lastMessage?.cursor ?? 0;
    return [...direct, ...groups].sort((a, b) => at(b) - at(a) || b.id - a.id);
  }

  async conversation(userId: number, conversationId: number): Promise<ConversationSummary | undefined> {
    const row = this.stmt.summary.get(userId, conversationId);
    if (row) return this.toSummary(userId, row);
    const group = this.stmt.groupSummary.get(userId, conversationId);
    return group && groupSummary(this.readers, userId, group);
  }

  async peersOf(userId: number, conversationId: number): Promise<number[] | undefined> {
    const roster = this.rosters.of(conversationId);
    return roster?.members.has(userId) ? roster.ids.filter((id) => id !== userId) : undefined;
  }

  async contactIds(userId: number): Promise<number[]> {
    return this.stmt.contactIds.all(userId, userId).map((row) => row.user_id);
  }

  async markRead(userId: number, conversationId: number, seq: number): Promise<ReadResult | undefined> {
    const peers = await this.peersOf(userId, conversationId);
    if (!peers) return undefined;
    const changed = this.stmt.markRead.run(seq, this.writer.headOf(conversationId).lastSeq, userId, conversationId, seq).changes > 0;
    const readSeq = this.stmt.readSeq.get(userId, conversationId)?.read_seq ?? 0;
    return { readSeq, memberIds: peers, changed };
  }

  isOpen(): boolean {
    return this.db.open;
  }

  async close(): Promise<void> {
    await this.checkpointer?.close();
    if (this.db.open) this.db.close();
  }

  private toSummary(userId: number, row: SummaryRow): ConversationSummary {
    const head = this.writer.headOf(row.id);
    const last = head.lastId === 0 ? undefined : this.stmt.messageByCursor.get(head.lastId);
    return {
      id: row.id,
      kind: 'direct',
      peer: row.peer,
      lastSeq: head.lastSeq,
      readSeq: row.read_seq,
      peerReadSeq: row.peer_read_seq,
      unread: this.spans.unread(row.id, userId, row.read_seq, head.lastSeq, head.lastId),
      lastMessage: last ? toMessage(last) : null,
      epoch: row.epoch,
    };
  }
}

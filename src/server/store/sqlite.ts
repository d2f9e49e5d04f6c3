// The embedded store: one SQLite file in WAL mode through better-sqlite3, the default log of record.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ParleyError } from '../../shared/errors.js';
import type { ConversationSummary, Message } from '../../shared/protocol.js';
import { assertTestOnly, type Fault } from '../faults.js';
import { LateCommit, withoutDedupeKey } from './faults.js';
import { Checkpointer } from './checkpointer.js';
import { SpanReader, spanOf, SYNC_SPANS } from './spans.js';
import { MIGRATIONS, type Migration } from './migrations.js';
import { SqliteKeys } from './keys.js';
import { prepareStatements, type MessageRow, type Statements, type SummaryRow } from './statements.js';
import type {
  AppendResult,
  EpochKeyRow,
  KeyReset,
  NewAccount,
  NewMessage,
  NewSession,
  PasswordChange,
  ReadResult,
  EpochResult,
  SealedFor,
  SessionListing,
  SessionRow,
  StaleKeys,
  Store,
  StoredKeys,
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
  /** Test-only fault switches (../faults.ts); refused outside tests. */
  faults?: readonly Fault[];
}

const FALLBACK_AUTOCHECKPOINT_PAGES = 10_000;

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
    if (step.editsSchema) {
      db.unsafeMode(true);
      db.pragma('writable_schema = ON');
    }
    try {
      db.transaction(() => {
        db.exec(step.sql);
        if (step.editsSchema) db.pragma(`schema_version = ${(db.pragma('schema_version', { simple: true }) as number) + 1}`);
        db.pragma(`user_version = ${step.version}`);
      })();
    } finally {
      if (step.editsSchema) {
        db.pragma('writable_schema = OFF');
        db.unsafeMode(false);
      }
    }
  }
  return db.pragma('user_version', { simple: true }) as number;
}

/** A conversation's id, last seq and newest cursor (0: no messages yet). */
interface ConversationHead {
  readonly id: number;
  lastSeq: number;
  lastId: number;
}

/**
 * The cache writes of the open transaction. Rows it created do not exist until it commits, so nothing
 * cached may name them before: new entries are published once the transaction has committed, and
 * dropped with it when it fails (after a failed COMMIT, the next conversation or account reuses the
 * rolled-back rowid). Cached heads are advanced in place, the send path's one write per message, and
 * put back from `before` when the transaction fails: cheaper than a copy per head (bench/store-micro.ts).
 */
interface Staged {
  readonly userIds: Map<string, number>;
  readonly directIds: Map<string, number>;
  /** Heads not cached before the transaction (new conversations, or first used since start), by conversation id. */
  readonly heads: Map<number, ConversationHead>;
  /** Sender id → recipient id → conversation id, for routes first used in the transaction. */
  readonly routes: Map<number, Map<number, number>>;
  /** The cached heads the transaction advanced, in order, and each one's lastSeq and lastId before. */
  readonly advanced: ConversationHead[];
  readonly before: number[];
}

const nothingStaged = (): Staged => ({ userIds: new Map(), directIds: new Map(), heads: new Map(), routes: new Map(), advanced: [], before: [] });

/** Whether SQLite refused a message because another one already follows the same predecessor (migration 10). */
const isPlaceTaken = (error: unknown): boolean =>
  (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' && String((error as Error).message).includes('messages.prev_id');

export class SqliteStore implements Store {
  readonly file: string;
  readonly db: Database.Database;
  // Usernames and direct-conversation membership never change, so they are cached for the hot path.
  private readonly userIds = new Map<string, number>();
  private readonly directIds = new Map<string, number>();
  private readonly members = new Map<number, number[]>();
  /**
   * The last seq and newest cursor of each conversation used since start. The store is the only writer,
   * so the cache is exact; it replaces an UPDATE of the conversation row per message, which cost as much
   * as the message's own INSERT (bench/RESULTS.md). Found through the span index on first use.
   */
  private readonly heads = new Map<number, ConversationHead>();
  /**
   * Sender id → recipient id → the head of their conversation: with the recipient's id from `userIds`, three
   * lookups per message, each in a small map or a number-keyed one (in a map per sender keyed by the name,
   * the lookup cost more: bench/RESULTS.md).
   */
  private readonly routes = new Map<number, Map<number, ConversationHead>>();
  private readonly stmt: Statements;
  /** The end-to-end key tables, on this connection, so key writes share a transaction with the rest. */
  #keys: SqliteKeys | undefined;
  private readonly spans: SpanReader;
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

    this.stmt = prepareStatements(this.db, { dedupeKey: !this.skipDedupe });
    this.spans = new SpanReader(this.stmt);
    this.appendTx = this.db.transaction((batch: readonly NewMessage[], staged: Staged): AppendResult[] =>
      batch.map((m) => this.appendOne(staged, m)),
    );
  }

  /** Prepared on first use: a store opened at an older schema (the migration tests) has no key tables. */
  private get keys(): SqliteKeys {
    return (this.#keys ??= new SqliteKeys(this.db));
  }

  async createUser(username: string, passwordHash: string, now: number): Promise<UserRow> {
    const user = this.insertUser(username, passwordHash, now);
    this.userIds.set(username, user.id);
    return user;
  }

  async register(account: NewAccount): Promise<{ user: UserRow; session: SessionRow }> {
    return this.committed((staged) =>
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

  async serverSecret(): Promise<Uint8Array> {
    return this.keys.serverSecret();
  }

  async generation(): Promise<string> {
    return this.keys.generation();
  }

  async userKeys(userId: number): Promise<StoredKeys | undefined> {
    return this.keys.userKeys(userId);
  }

  async identities(userId: number): Promise<string[]> {
    return this.keys.identities(userId);
  }

  async currentKeyVersion(userId: number): Promise<number | undefined> {
    return this.keys.currentKeyVersion(userId);
  }

  async epochKeys(recipientId: number, conversationId: number): Promise<EpochKeyRow[]> {
    return this.keys.epochKeys(recipientId, conversationId);
  }

  async addEpoch(conversationId: number, epoch: number, creatorId: number, copies: readonly SealedFor[], now: number): Promise<EpochResult> {
    return this.keys.addEpoch(conversationId, epoch, creatorId, copies, now);
  }

  async vault(userId: number): Promise<{ vault: string | null; version: number }> {
    return this.keys.vault(userId);
  }

  async putVault(userId: number, vault: string, version: number): Promise<boolean> {
    return this.keys.putVault(userId, vault, version);
  }

  async openDirect(userId: number, peerId: number, now: number): Promise<number> {
    return this.committed((staged) => this.db.transaction(() => this.directId(staged, userId, peerId, now))());
  }

  async appendMessages(batch: readonly NewMessage[]): Promise<AppendResult[]> {
    const results = this.committed((staged) =>
      this.lateCommit ? this.lateCommit.run(() => this.appendTx(batch, staged)) : this.appendTx(batch, staged),
    );
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
    // A conversation with nothing new costs no probe at all.
    const heads = this.stmt.conversationsOf.all(userId).map((row) => this.headOf(row.conversation_id)).filter((head) => head.lastId > after);
    const ids: number[] = [];
    const last = Math.max(0, ...heads.map((head) => spanOf(head.lastId)));
    for (let lo = spanOf(after + 1); lo <= last && ids.length < limit; lo += SYNC_SPANS) {
      for (const head of heads) {
        const hi = Math.min(lo + SYNC_SPANS - 1, spanOf(head.lastId));
        if (hi >= lo) ids.push(...this.spans.idsAfter(head.id, after, lo, hi, limit));
      }
    }
    if (ids.length === 0) return [];
    ids.sort((a, b) => a - b);
    return this.stmt.messagesByIds.all(JSON.stringify(ids.slice(0, limit))).map(toMessage);
  }

  async history(conversationId: number, before: number | undefined, limit: number): Promise<Message[]> {
    const head = this.headOf(conversationId);
    const below = Math.min(before ?? Number.MAX_SAFE_INTEGER, head.lastSeq + 1);
    return this.spans.before(conversationId, head.lastId, below, limit).map(toMessage).reverse();
  }

  async conversations(userId: number): Promise<ConversationSummary[]> {
    return this.stmt.summaries
      .all(userId)
      .map((row) => this.toSummary(userId, row))
      .filter((summary) => summary.lastMessage !== null)
      .sort((a, b) => b.lastMessage!.cursor - a.lastMessage!.cursor);
  }

  async conversation(userId: number, conversationId: number): Promise<ConversationSummary | undefined> {
    const row = this.stmt.summary.get(userId, conversationId);
    return row && this.toSummary(userId, row);
  }

  async peersOf(userId: number, conversationId: number): Promise<number[] | undefined> {
    const members = this.membersOf(conversationId);
    return members.includes(userId) ? members.filter((id) => id !== userId) : undefined;
  }

  async contactIds(userId: number): Promise<number[]> {
    return this.stmt.contactIds.all(userId, userId).map((row) => row.user_id);
  }

  async markRead(userId: number, conversationId: number, seq: number): Promise<ReadResult | undefined> {
    const peers = await this.peersOf(userId, conversationId);
    if (!peers) return undefined;
    const changed = this.stmt.markRead.run(seq, this.headOf(conversationId).lastSeq, userId, conversationId, seq).changes > 0;
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

  /**
   * Runs `transaction` (which must commit or throw) and publishes the cache writes it staged only once it
   * has returned: when it throws, nothing cached has changed.
   */
  private committed<T>(transaction: (staged: Staged) => T): T {
    const staged = nothingStaged();
    let result: T;
    try {
      result = transaction(staged);
    } catch (error) {
      // Newest first, so a head advanced several times gets its value from before the transaction.
      for (let i = staged.advanced.length - 1; i >= 0; i--) {
        const head = staged.advanced[i]!;
        head.lastSeq = staged.before[2 * i]!;
        head.lastId = staged.before[2 * i + 1]!;
      }
      // The place guard refused a message (migration 10): a cached head was behind the database. Every head is
      // read again on its next use, so the client's retry takes the next free place.
      if (isPlaceTaken(error)) this.forgetHeads();
      throw error;
    }
    for (const [username, id] of staged.userIds) this.userIds.set(username, id);
    for (const [key, id] of staged.directIds) this.directIds.set(key, id);
    for (const head of staged.heads.values()) this.heads.set(head.id, head);
    for (const [senderId, recipients] of staged.routes) {
      let routes = this.routes.get(senderId);
      if (!routes) this.routes.set(senderId, (routes = new Map()));
      for (const [recipientId, conversationId] of recipients) routes.set(recipientId, this.headOf(conversationId));
    }
    return result;
  }

  private forgetHeads(): void {
    this.heads.clear();
    this.routes.clear();
  }

  /** The committed head of a conversation; outside transactions only (inside, `stagedHead`). */
  private headOf(conversationId: number): ConversationHead {
    let head = this.heads.get(conversationId);
    if (!head) this.heads.set(conversationId, (head = this.readHead(conversationId)));
    return head;
  }

  private readHead(conversationId: number): ConversationHead {
    const newest = this.spans.newest(conversationId);
    return { id: conversationId, lastSeq: newest?.seq ?? 0, lastId: newest?.id ?? 0 };
  }

  /**
   * The head of a conversation inside a transaction: the cached one, or one staged until the commit. Every
   * write goes through it, so a head read here from the database holds committed rows only.
   */
  private stagedHead(staged: Staged, conversationId: number): ConversationHead {
    let head = this.heads.get(conversationId) ?? staged.heads.get(conversationId);
    if (!head) staged.heads.set(conversationId, (head = this.readHead(conversationId)));
    return head;
  }

  private appendOne(staged: Staged, m: NewMessage): AppendResult {
    const recipientId = this.userIdByName(m.to);
    // Accounts are never deleted, so a resend's recipient exists too: an unknown one is never a resend.
    if (recipientId === undefined) return { message: null };
    const head = this.routes.get(m.senderId)?.get(recipientId) ?? this.newRoute(staged, m, recipientId);
    // No head: a resend that must not create a conversation, answered already.
    if (!('lastSeq' in head)) return head;
    if (m.conversationId !== undefined && m.conversationId !== head.id) return { message: null, misdirected: true };
    const seq = head.lastSeq + 1;
    // The place guard (migration 10): the previous message's cursor, or minus the conversation's id for the first.
    const prevId = head.lastId === 0 ? -head.id : head.lastId;
    const info = this.stmt.insertMessage.run(head.id, seq, m.senderId, recipientId, m.clientMsgId, m.body, m.ts, prevId);
    // Refused by the dedupe key: a resend. The original keeps its seq and cursor, and this one takes no seq.
    if (info.changes === 0) return this.resendOf(this.stmt.duplicateId.get(m.senderId, m.clientMsgId)!.id);
    const cursor = Number(info.lastInsertRowid);
    staged.advanced.push(head);
    staged.before.push(head.lastSeq, head.lastId);
    head.lastSeq = seq;
    head.lastId = cursor;
    const message: Message = {
      cursor,
      conversationId: head.id,
      seq,
      from: m.from,
      to: m.to,
      clientMsgId: m.clientMsgId,
      body: m.body,
      ts: m.ts,
    };
    return { message, recipientId, duplicate: false };
  }

  /** The conversation head of a sender's first message to this recipient since start, or the answer to a resend. */
  private newRoute(staged: Staged, m: NewMessage, recipientId: number): ConversationHead | AppendResult {
    let conversationId = this.existingDirectId(staged, m.senderId, recipientId);
    if (conversationId === undefined) {
      // The first message between these two, or a resend whose clientMsgId went to someone else before: only
      // the former may create the conversation (the rare path, so the lookup costs nothing per message).
      const earlier = this.skipDedupe ? undefined : this.stmt.duplicateId.get(m.senderId, m.clientMsgId);
      if (earlier) return this.resendOf(earlier.id);
      conversationId = this.directId(staged, m.senderId, recipientId, m.ts);
    }
    let routes = staged.routes.get(m.senderId);
    if (!routes) staged.routes.set(m.senderId, (routes = new Map()));
    routes.set(recipientId, conversationId);
    return this.stagedHead(staged, conversationId);
  }

  /** The direct conversation of two users, if it exists; with `now`, created when it does not. */
  private existingDirectId(staged: Staged, a: number, b: number, now?: number): number | undefined {
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    const key = `${lo}:${hi}`;
    const cached = this.directIds.get(key) ?? staged.directIds.get(key);
    if (cached !== undefined) return cached;
    let id = this.stmt.directByPair.get(lo, hi)?.id;
    if (id === undefined) {
      if (now === undefined) return undefined;
      id = Number(this.stmt.insertDirect.run(lo, hi, now).lastInsertRowid);
      this.stmt.insertMember.run(id, lo);
      if (hi !== lo) this.stmt.insertMember.run(id, hi);
      // A new conversation has no messages: its head is known, and looking for one would probe every span.
      staged.heads.set(id, { id, lastSeq: 0, lastId: 0 });
    }
    staged.directIds.set(key, id);
    return id;
  }

  /** Must run inside a transaction: creates the conversation and its members on first use. */
  private directId(staged: Staged, a: number, b: number, now: number): number {
    return this.existingDirectId(staged, a, b, now)!;
  }

  private membersOf(conversationId: number): number[] {
    let members = this.members.get(conversationId);
    if (!members) {
      members = this.stmt.membersOf.all(conversationId).map((r) => r.user_id);
      if (members.length > 0) this.members.set(conversationId, members);
    }
    return members;
  }

  private toSummary(userId: number, row: SummaryRow): ConversationSummary {
    const head = this.headOf(row.id);
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

// Where each message goes: the write side of the message log, with the caches that make it one INSERT per message.
import type Database from 'better-sqlite3';
import type { Message } from '../../shared/protocol.js';
import type { Rosters } from './rosters.js';
import type { SpanReader } from './spans.js';
import { type Statements, toMessage } from './statements.js';
import type { AppendResult, DirectAppendResult, DirectSend, GroupAppendResult, GroupSend, NewMessage } from './store.js';

/** A group message's recipient_id: every member reads the one row, so it names no user (no account has id 0). */
export const GROUP_RECIPIENT = 0;

/** A conversation's id, last seq and newest cursor (0: no messages yet). */
export interface ConversationHead {
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

/** The cache key of two users' direct conversation, the same either way round. */
const pairKey = (a: number, b: number): string => (a < b ? `${a}:${b}` : `${b}:${a}`);

/**
 * Gives each message its place (conversation, seq) and cursor, and caches what that needs: users' ids,
 * direct conversations and each conversation's head. The store is the messages' only writer, so the caches
 * are exact; they change only once a transaction has committed (`transaction`).
 */
export class MessageWriter {
  // Usernames and direct conversations never change, so they are cached for the hot path.
  private readonly userIds = new Map<string, number>();
  private readonly directIds = new Map<string, number>();
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
  private readonly appendTx;

  constructor(
    private readonly db: Database.Database,
    private readonly stmt: Statements,
    private readonly spans: SpanReader,
    private readonly rosters: Rosters,
  ) {
    this.appendTx = db.transaction((batch: readonly NewMessage[], staged: Staged): AppendResult[] =>
      batch.map((m) => (m.to === undefined ? this.appendGroup(staged, m) : this.appendOne(staged, m))),
    );
  }

  /** Appends a group commit's messages in one transaction: a place each, or the original's answer for a resend. */
  append(batch: readonly NewMessage[]): AppendResult[] {
    return this.transaction((staged) => this.appendTx(batch, staged));
  }

  /** The direct conversation of two users, created when it does not exist. */
  openDirect(a: number, b: number, now: number): number {
    return this.transaction((staged) => this.db.transaction(() => this.directId(staged, a, b, now))());
  }

  userIdByName(username: string): number | undefined {
    const cached = this.userIds.get(username);
    if (cached !== undefined) return cached;
    const row = this.stmt.userByName.get(username);
    if (row) this.userIds.set(row.username, row.id);
    return row?.id;
  }

  /** Caches a committed account's id. */
  rememberUser(username: string, id: number): void {
    this.userIds.set(username, id);
  }

  /** The answer to a direct resend: its original, unless the clientMsgId is a group message's (then nothing is stored). */
  private resendOf(cursor: number): DirectAppendResult {
    const existing = this.stmt.messageByCursor.get(cursor);
    // A group message's row names no recipient: a direct resend of its clientMsgId is misdirected.
    return existing && existing.to_name !== null ? { message: toMessage(existing), recipientId: existing.recipient_id, duplicate: true } : { message: null, misdirected: true };
  }

  /** The answer to a group resend: its original, with the group's current members when it is a group message. */
  private groupResendOf(cursor: number): AppendResult {
    const row = this.stmt.groupMessageByCursor.get(cursor);
    if (!row) return this.resendOf(cursor);
    const message = { cursor, conversationId: row.conversation_id, seq: row.seq, from: row.from_name, clientMsgId: row.client_msg_id, body: row.body, ts: row.created_at };
    return { message, memberIds: this.rosters.read(row.conversation_id)?.ids ?? [], duplicate: true };
  }

  /**
   * Runs `transaction` (which must commit or throw) and publishes the cache writes it staged only once it
   * has returned: when it throws, nothing cached has changed.
   */
  transaction<T>(transaction: (staged: Staged) => T): T {
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
  headOf(conversationId: number): ConversationHead {
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

  private appendOne(staged: Staged, m: DirectSend): DirectAppendResult {
    const recipientId = this.userIdByName(m.to);
    // Accounts are never deleted, so a resend's recipient exists too: an unknown one is never a resend.
    if (recipientId === undefined) return { message: null };
    const head = this.routes.get(m.senderId)?.get(recipientId) ?? this.newRoute(staged, m, recipientId);
    // No head: a resend that must not create a conversation, answered already.
    if (!('lastSeq' in head)) return head;
    if (m.conversationId !== undefined && m.conversationId !== head.id) return { message: null, misdirected: true };
    const cursor = this.place(staged, head, m, recipientId);
    if (typeof cursor !== 'number') return this.resendOf(cursor.original);
    const message: Message = {
      cursor,
      conversationId: head.id,
      seq: head.lastSeq,
      from: m.from,
      to: m.to,
      clientMsgId: m.clientMsgId,
      body: m.body,
      ts: m.ts,
    };
    return { message, recipientId, duplicate: false };
  }

  /** A group message: one row, whatever the member count, if the sender is a current member of that group. */
  private appendGroup(staged: Staged, m: GroupSend): GroupAppendResult | DirectAppendResult {
    // Read without caching: the id may be a direct conversation this batch created, which is not committed yet.
    const roster = this.rosters.read(m.conversationId);
    if (roster?.group !== true || !roster.members.has(m.senderId)) {
      // A resend of a message stored before its sender left is still answered with the original.
      const earlier = this.stmt.duplicateId.get(m.senderId, m.clientMsgId);
      return earlier ? this.groupResendOf(earlier.id) : { message: null, notMember: true };
    }
    // A group's members change only through membership writes, never in a batch of messages: what this read is committed.
    this.rosters.remember(m.conversationId, roster);
    const head = this.stagedHead(staged, m.conversationId);
    const cursor = this.place(staged, head, m, GROUP_RECIPIENT);
    if (typeof cursor !== 'number') return this.groupResendOf(cursor.original);
    const { from, clientMsgId, body, ts } = m;
    return { message: { cursor, conversationId: head.id, seq: head.lastSeq, from, clientMsgId, body, ts }, memberIds: roster.ids, duplicate: false };
  }

  /**
   * Inserts the message at its conversation's next place and advances the head (the new seq is then the
   * head's): the message's cursor, or the original's when it is a resend.
   */
  private place(staged: Staged, head: ConversationHead, m: NewMessage, recipientId: number): number | { original: number } {
    const seq = head.lastSeq + 1;
    // The place guard (migration 10): the previous message's cursor, or minus the conversation's id for the first.
    const prevId = head.lastId === 0 ? -head.id : head.lastId;
    const info = this.stmt.insertMessage.run(head.id, seq, m.senderId, recipientId, m.clientMsgId, m.body, m.ts, prevId);
    if (info.changes === 0) {
      // Refused by the dedupe key: a resend. The original keeps its seq and cursor, and this one takes no seq.
      const original = this.stmt.duplicateId.get(m.senderId, m.clientMsgId);
      if (original) return { original: original.id };
      // Refused by another constraint, the place guard: this throws SQLite's error, and the whole batch rolls back.
      this.stmt.insertMessageOrFail.run(head.id, seq, m.senderId, recipientId, m.clientMsgId, m.body, m.ts, prevId);
      throw new Error('a message was refused by a constraint the database no longer reports');
    }
    const cursor = Number(info.lastInsertRowid);
    staged.advanced.push(head);
    staged.before.push(head.lastSeq, head.lastId);
    head.lastSeq = seq;
    head.lastId = cursor;
    return cursor;
  }

  /** The conversation head of a sender's first message to this recipient since start, or the answer to a resend. */
  private newRoute(staged: Staged, m: DirectSend, recipientId: number): ConversationHead | DirectAppendResult {
    let conversationId = this.findDirectId(staged, m.senderId, recipientId);
    if (conversationId === undefined) {
      // The first message between these two, or a resend whose clientMsgId went to someone else before: only
      // the former may create the conversation (the rare path, so the lookup costs nothing per message).
      const earlier = this.stmt.duplicateId.get(m.senderId, m.clientMsgId);
      if (earlier) return this.resendOf(earlier.id);
      conversationId = this.createDirect(staged, m.senderId, recipientId, m.ts);
    }
    let routes = staged.routes.get(m.senderId);
    if (!routes) staged.routes.set(m.senderId, (routes = new Map()));
    routes.set(recipientId, conversationId);
    return this.stagedHead(staged, conversationId);
  }

  /** The direct conversation of two users, if it exists. */
  private findDirectId(staged: Staged, a: number, b: number): number | undefined {
    const key = pairKey(a, b);
    const cached = this.directIds.get(key) ?? staged.directIds.get(key);
    if (cached !== undefined) return cached;
    const id = this.stmt.directByPair.get(Math.min(a, b), Math.max(a, b))?.id;
    if (id !== undefined) staged.directIds.set(key, id);
    return id;
  }

  /** The direct conversation of two users, created with its members when it does not exist; inside a transaction only. */
  private directId(staged: Staged, a: number, b: number, now: number): number {
    return this.findDirectId(staged, a, b) ?? this.createDirect(staged, a, b, now);
  }

  /** Creates the direct conversation of two users who have none (`findDirectId` found nothing) and its members. */
  private createDirect(staged: Staged, a: number, b: number, now: number): number {
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    const id = Number(this.stmt.insertDirect.run(lo, hi, now).lastInsertRowid);
    this.stmt.insertMember.run(id, lo);
    if (hi !== lo) this.stmt.insertMember.run(id, hi);
    // A new conversation has no messages: its head is known, and looking for one would probe every span.
    staged.heads.set(id, { id, lastSeq: 0, lastId: 0 });
    staged.directIds.set(pairKey(a, b), id);
    return id;
  }
}

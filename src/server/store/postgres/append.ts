// Where each message goes, on PostgreSQL: one transaction per group commit, with places taken under the log's lock.
//
// Every writer of messages, on every node, first locks the one log_head row: the cursors it hands out are then
// in commit order (a reader that has seen cursor n has seen every smaller one), a resend is found however many
// nodes it was sent to, and a conversation's head (conversations.last_seq, last_id) is read and advanced by one
// writer at a time. The lock is held for one batch, so a node's whole group commit costs one wait, not one per
// message; the unique keys (conversation_id, seq) and (sender_id, client_msg_id) still refuse what it would let by.
import type pg from 'pg';
import type { Message } from '../../../shared/protocol.js';
import { GROUP_RECIPIENT } from '../message-writer.js';
import type { AppendResult, DirectAppendResult, DirectSend, GroupAppendResult, GroupSend, NewMessage } from '../store.js';
import { hasNul, transaction } from './pool.js';

/** A stored message as the dedupe lookup reads it (or as this batch placed it). */
interface Original {
  cursor: number;
  senderId: number;
  conversationId: number;
  seq: number;
  from: string;
  /** Null for a group message. */
  to: string | null;
  recipientId: number;
  clientMsgId: string;
  body: string;
  ts: number;
}

interface Head {
  kind: 'direct' | 'group';
  lastSeq: number;
  lastId: number;
  /** A group's current members, in id order. */
  members: readonly number[];
}

/** What one batch read and wrote so far, inside its transaction. */
interface Batch {
  client: pg.PoolClient;
  nextId: number;
  originals: Map<string, Original>;
  heads: Map<number, Head>;
  /** Direct conversations this batch created or found, by pair: cached once it commits. */
  directs: Map<string, number>;
  rows: Original[];
}

const pairKey = (a: number, b: number): string => (a < b ? `${a}:${b}` : `${b}:${a}`);
const dedupeKey = (senderId: number, clientMsgId: string): string => `${senderId}\u0000${clientMsgId}`;

const ORIGINALS = `
  SELECT m.id, m.sender_id, m.conversation_id, m.seq, s.username AS from_name, m.recipient_id, r.username AS to_name, m.client_msg_id, m.body, m.created_at
  FROM messages m JOIN users s ON s.id = m.sender_id LEFT JOIN users r ON r.id = m.recipient_id AND m.recipient_id <> 0
  WHERE (m.sender_id, m.client_msg_id) IN (SELECT * FROM unnest($1::bigint[], $2::text[]))`;

const HEADS = `
  SELECT c.id, c.kind, c.last_seq, c.last_id,
    CASE WHEN c.kind = 'group' THEN ARRAY(
      SELECT m.user_id FROM conversation_members m WHERE m.conversation_id = c.id AND m.left_cursor IS NULL ORDER BY m.user_id
    ) END AS members
  FROM conversations c WHERE c.id = ANY($1::bigint[])`;

// The batch's rows in one multi-row insert, the heads it advanced and the log's newest cursor, in one statement.
const WRITE = `
  WITH placed AS (
    INSERT INTO messages (id, conversation_id, seq, sender_id, recipient_id, client_msg_id, body, created_at)
    SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::text[], $7::bytea[], $8::bigint[])
  ), advanced AS (
    UPDATE conversations c SET last_seq = h.seq, last_id = h.id FROM unnest($9::bigint[], $10::bigint[], $11::bigint[]) AS h(cid, seq, id) WHERE c.id = h.cid
  )
  UPDATE log_head SET last_id = $12 WHERE id = 1`;

interface OriginalRow {
  id: number;
  sender_id: number;
  conversation_id: number;
  seq: number;
  from_name: string;
  recipient_id: number;
  to_name: string | null;
  client_msg_id: string;
  body: Buffer;
  created_at: number;
}

const toOriginal = (r: OriginalRow): Original => ({
  cursor: r.id,
  senderId: r.sender_id,
  conversationId: r.conversation_id,
  seq: r.seq,
  from: r.from_name,
  to: r.to_name,
  recipientId: r.recipient_id,
  clientMsgId: r.client_msg_id,
  body: r.body.toString('utf8'),
  ts: r.created_at,
});

/** Two users whose direct conversation a first message (sent at ts) creates; lo ≤ hi. */
interface Pair {
  lo: number;
  hi: number;
  ts: number;
}

const directMessage = (o: Original): Message => ({
  cursor: o.cursor,
  conversationId: o.conversationId,
  seq: o.seq,
  from: o.from,
  to: o.to!,
  clientMsgId: o.clientMsgId,
  body: o.body,
  ts: o.ts,
});

/**
 * Users' ids and direct conversations are cached (accounts are never deleted, a pair's conversation never
 * changes); everything that other nodes write (heads, group members, earlier messages) is read in the batch.
 */
export class PgMessageWriter {
  private readonly userIds = new Map<string, number>();
  private readonly directIds = new Map<string, number>();

  constructor(private readonly pool: pg.Pool) {}

  async userIdByName(username: string): Promise<number | undefined> {
    await this.loadUsers([username]);
    return this.userIds.get(username);
  }

  rememberUser(username: string, id: number): void {
    this.userIds.set(username, id);
  }

  /** The direct conversation of two users, created with its members when it does not exist. */
  async openDirect(a: number, b: number, now: number): Promise<number> {
    const cached = this.directIds.get(pairKey(a, b));
    if (cached !== undefined) return cached;
    const made = await transaction(this.pool, (client) => this.createDirects(client, [{ lo: Math.min(a, b), hi: Math.max(a, b), ts: now }]));
    const id = made.get(pairKey(a, b))!.id;
    this.directIds.set(pairKey(a, b), id);
    return id;
  }

  async append(batch: readonly NewMessage[]): Promise<AppendResult[]> {
    // Committed rows only, read before the transaction: names and pairs that exist now exist for good.
    await this.loadUsers(batch.flatMap((m) => (m.to === undefined ? [] : [m.to])));
    await this.loadDirects(batch);
    const directs = new Map<string, number>();
    const results = await transaction(this.pool, async (client) => {
      const locked = await client.query<{ last_id: number }>('SELECT last_id FROM log_head WHERE id = 1 FOR UPDATE');
      const state: Batch = { client, nextId: locked.rows[0]!.last_id + 1, originals: new Map(), heads: new Map(), directs, rows: [] };
      // Read after the lock: every message another node stored before it is committed and visible now.
      const originals = await client.query<OriginalRow>(ORIGINALS, [batch.map((m) => m.senderId), batch.map((m) => m.clientMsgId)]);
      for (const row of originals.rows) state.originals.set(dedupeKey(row.sender_id, row.client_msg_id), toOriginal(row));
      await this.loadHeads(state, batch);
      await this.createFirstDirects(state, batch);
      const answered: AppendResult[] = [];
      for (const m of batch) answered.push(m.to === undefined ? await this.appendGroup(state, m) : this.appendOne(state, m));
      if (state.rows.length > 0) await this.write(state);
      return answered;
    });
    for (const [key, id] of directs) this.directIds.set(key, id);
    return results;
  }

  private async loadUsers(names: readonly string[]): Promise<void> {
    const missing = [...new Set(names)].filter((name) => !this.userIds.has(name) && !hasNul(name));
    if (missing.length === 0) return;
    const { rows } = await this.pool.query<{ id: number; username: string }>('SELECT id, username FROM users WHERE username = ANY($1::text[])', [missing]);
    for (const row of rows) this.userIds.set(row.username, row.id);
  }

  private async loadDirects(batch: readonly NewMessage[]): Promise<void> {
    const lo: number[] = [];
    const hi: number[] = [];
    for (const m of batch) {
      const recipientId = m.to === undefined ? undefined : this.userIds.get(m.to);
      if (recipientId === undefined || this.directIds.has(pairKey(m.senderId, recipientId))) continue;
      lo.push(Math.min(m.senderId, recipientId));
      hi.push(Math.max(m.senderId, recipientId));
    }
    if (lo.length === 0) return;
    const { rows } = await this.pool.query<{ id: number; user_lo: number; user_hi: number }>(
      'SELECT c.id, c.user_lo, c.user_hi FROM conversations c JOIN unnest($1::bigint[], $2::bigint[]) AS p(lo, hi) ON c.user_lo = p.lo AND c.user_hi = p.hi',
      [lo, hi],
    );
    for (const row of rows) this.directIds.set(pairKey(row.user_lo, row.user_hi), row.id);
  }

  /** The heads (and a group's members) of every existing conversation the batch names, read under the lock. */
  private async loadHeads(state: Batch, batch: readonly NewMessage[]): Promise<void> {
    const ids = new Set<number>();
    for (const m of batch) {
      if (m.to === undefined) ids.add(m.conversationId);
      else {
        const recipientId = this.userIds.get(m.to);
        const id = recipientId === undefined ? undefined : this.directIds.get(pairKey(m.senderId, recipientId));
        if (id !== undefined) ids.add(id);
      }
    }
    for (const o of state.originals.values()) if (o.recipientId === GROUP_RECIPIENT) ids.add(o.conversationId);
    if (ids.size === 0) return;
    const { rows } = await state.client.query<{ id: number; kind: 'direct' | 'group'; last_seq: number; last_id: number; members: number[] | null }>(HEADS, [[...ids]]);
    for (const r of rows) state.heads.set(r.id, { kind: r.kind, lastSeq: r.last_seq, lastId: r.last_id, members: r.members ?? [] });
  }

  private appendOne(state: Batch, m: DirectSend): DirectAppendResult {
    const recipientId = hasNul(m.to) ? undefined : this.userIds.get(m.to);
    if (recipientId === undefined) return { message: null };
    const key = pairKey(m.senderId, recipientId);
    const conversationId = this.directIds.get(key) ?? state.directs.get(key);
    const original = state.originals.get(dedupeKey(m.senderId, m.clientMsgId));
    if (conversationId === undefined) {
      // Only a first message creates the conversation (createFirstDirects did); a resend whose id went elsewhere is answered.
      if (original) return this.resendOf(original);
      throw new Error('no direct conversation was made for a first message');
    }
    if (m.conversationId !== undefined && m.conversationId !== conversationId) return { message: null, misdirected: true };
    if (original) return this.resendOf(original);
    const placed = this.place(state, conversationId, m, recipientId, m.to);
    return { message: directMessage(placed), recipientId, duplicate: false };
  }

  private async appendGroup(state: Batch, m: GroupSend): Promise<AppendResult> {
    const head = state.heads.get(m.conversationId);
    const original = state.originals.get(dedupeKey(m.senderId, m.clientMsgId));
    if (head?.kind !== 'group' || !head.members.includes(m.senderId)) {
      // A resend of a message stored before its sender left is still answered with the original.
      return original ? this.groupResendOf(state, original) : { message: null, notMember: true };
    }
    if (original) return this.groupResendOf(state, original);
    const { cursor, conversationId, seq, from, clientMsgId, body, ts } = this.place(state, m.conversationId, m, GROUP_RECIPIENT, null);
    return { message: { cursor, conversationId, seq, from, clientMsgId, body, ts }, memberIds: head.members, duplicate: false };
  }

  /** The answer to a direct resend: its original, unless the clientMsgId is a group message's (then nothing is stored). */
  private resendOf(original: Original): DirectAppendResult {
    if (original.recipientId === GROUP_RECIPIENT) return { message: null, misdirected: true };
    return { message: directMessage(original), recipientId: original.recipientId, duplicate: true };
  }

  /** The answer to a group resend: its original, with the group's current members when it is a group message. */
  private groupResendOf(state: Batch, original: Original): GroupAppendResult | DirectAppendResult {
    if (original.recipientId !== GROUP_RECIPIENT) return this.resendOf(original);
    const { cursor, conversationId, seq, from, clientMsgId, body, ts } = original;
    return { message: { cursor, conversationId, seq, from, clientMsgId, body, ts }, memberIds: state.heads.get(conversationId)?.members ?? [], duplicate: true };
  }

  /** Takes the conversation's next place and the log's next cursor for the message, in memory until `write`. */
  private place(state: Batch, conversationId: number, m: NewMessage, recipientId: number, to: string | null): Original {
    const head = state.heads.get(conversationId)!;
    head.lastSeq += 1;
    head.lastId = state.nextId++;
    const placed: Original = { cursor: head.lastId, senderId: m.senderId, conversationId, seq: head.lastSeq, from: m.from, to, recipientId, clientMsgId: m.clientMsgId, body: m.body, ts: m.ts };
    state.rows.push(placed);
    state.originals.set(dedupeKey(m.senderId, m.clientMsgId), placed);
    return placed;
  }

  private async write(state: Batch): Promise<void> {
    const { rows } = state;
    const heads = [...state.heads].filter(([, head]) => head.lastId >= rows[0]!.cursor);
    await state.client.query(WRITE, [
      rows.map((r) => r.cursor),
      rows.map((r) => r.conversationId),
      rows.map((r) => r.seq),
      rows.map((r) => r.senderId),
      rows.map((r) => r.recipientId),
      rows.map((r) => r.clientMsgId),
      rows.map((r) => Buffer.from(r.body, 'utf8')),
      rows.map((r) => r.ts),
      heads.map(([id]) => id),
      heads.map(([, head]) => head.lastSeq),
      heads.map(([, head]) => head.lastId),
      state.nextId - 1,
    ]);
  }

  /**
   * The direct conversations the batch's first messages need, made in one go: a batch of first messages (a new
   * server, a new team) made them one pair at a time, two round trips each while holding the log's lock.
   */
  private async createFirstDirects(state: Batch, batch: readonly NewMessage[]): Promise<void> {
    const pairs = new Map<string, Pair>();
    for (const m of batch) {
      const recipientId = m.to === undefined || hasNul(m.to) ? undefined : this.userIds.get(m.to);
      if (recipientId === undefined) continue;
      const key = pairKey(m.senderId, recipientId);
      // Only a first message may create the conversation: a resend whose id went elsewhere must not.
      if (this.directIds.has(key) || pairs.has(key) || state.originals.has(dedupeKey(m.senderId, m.clientMsgId))) continue;
      pairs.set(key, { lo: Math.min(m.senderId, recipientId), hi: Math.max(m.senderId, recipientId), ts: m.ts });
    }
    if (pairs.size === 0) return;
    for (const [key, made] of await this.createDirects(state.client, [...pairs.values()])) {
      state.directs.set(key, made.id);
      state.heads.set(made.id, { kind: 'direct', lastSeq: made.lastSeq, lastId: made.lastId, members: [] });
    }
  }

  /**
   * Creates the direct conversations of these pairs with their members, in three statements whatever their
   * number, and finds those another node made meanwhile: each pair's conversation and head, by pairKey.
   */
  private async createDirects(client: pg.PoolClient, pairs: readonly Pair[]): Promise<Map<string, { id: number; lastSeq: number; lastId: number }>> {
    const made = new Map<string, { id: number; lastSeq: number; lastId: number }>();
    const inserted = await client.query<{ id: number; user_lo: number; user_hi: number }>(
      `INSERT INTO conversations (kind, user_lo, user_hi, created_at)
       SELECT 'direct', lo, hi, ts FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS p(lo, hi, ts)
       ON CONFLICT (user_lo, user_hi) DO NOTHING RETURNING id, user_lo, user_hi`,
      [pairs.map((p) => p.lo), pairs.map((p) => p.hi), pairs.map((p) => p.ts)],
    );
    const conversations: number[] = [];
    const members: number[] = [];
    for (const row of inserted.rows) {
      made.set(pairKey(row.user_lo, row.user_hi), { id: row.id, lastSeq: 0, lastId: 0 });
      for (const user of row.user_lo === row.user_hi ? [row.user_lo] : [row.user_lo, row.user_hi]) {
        conversations.push(row.id);
        members.push(user);
      }
    }
    if (conversations.length > 0) {
      await client.query('INSERT INTO conversation_members (conversation_id, user_id) SELECT * FROM unnest($1::bigint[], $2::bigint[])', [conversations, members]);
    }
    const others = pairs.filter((p) => !made.has(pairKey(p.lo, p.hi)));
    if (others.length > 0) {
      const found = await client.query<{ id: number; user_lo: number; user_hi: number; last_seq: number; last_id: number }>(
        'SELECT c.id, c.user_lo, c.user_hi, c.last_seq, c.last_id FROM conversations c JOIN unnest($1::bigint[], $2::bigint[]) AS p(lo, hi) ON c.user_lo = p.lo AND c.user_hi = p.hi',
        [others.map((p) => p.lo), others.map((p) => p.hi)],
      );
      for (const row of found.rows) made.set(pairKey(row.user_lo, row.user_hi), { id: row.id, lastSeq: row.last_seq, lastId: row.last_id });
    }
    return made;
  }
}

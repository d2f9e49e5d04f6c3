// Every SQL statement of the SQLite store, prepared once per connection, with the row shapes they return.
import type Database from 'better-sqlite3';
import type { Message } from '../../shared/protocol.js';

export interface MessageRow {
  id: number;
  recipient_id: number;
  conversation_id: number;
  seq: number;
  from_name: string;
  /** Null for a group message (recipient_id 0 names no account). */
  to_name: string | null;
  client_msg_id: string;
  body: string;
  created_at: number;
}

export interface SummaryRow {
  id: number;
  peer: string;
  read_seq: number;
  peer_read_seq: number;
  epoch: number;
}

/**
 * Messages are found by conversation through the index on (id >> SPAN_SHIFT, conversation_id, seq, sender_id)
 * (migration 5, which spells the shift as 14): ids are given in commit order, so the messages of one span of
 * 2^14 ids sit together in the index and a group commit writes into the newest span only, instead of into a
 * random page for every conversation it touches. Queries must spell the expression exactly so, or SQLite will
 * not use the index (spans.test.ts checks every query plan).
 */
export const SPAN_SHIFT = 14;
/**
 * The spans from the first parameter to the second, each joined to the conversation's entries in it: one
 * statement walks many spans, far cheaper than a call from JavaScript per span (bench/RESULTS.md).
 */
const IN_SPANS = `WITH RECURSIVE spans(span) AS (VALUES(?) UNION ALL SELECT span + 1 FROM spans WHERE span < ?)`;
const SPAN_JOIN = `spans CROSS JOIN messages m ON (m.id >> ${SPAN_SHIFT}) = spans.span AND m.conversation_id = ?`;

const MESSAGE_FIELDS = `
  m.id, m.recipient_id, m.conversation_id, m.seq, s.username AS from_name, r.username AS to_name,
  m.client_msg_id, m.body, m.created_at`;
const SENDER_AND_RECIPIENT = 'JOIN users s ON s.id = m.sender_id LEFT JOIN users r ON r.id = m.recipient_id';
const MESSAGE_COLUMNS = `${MESSAGE_FIELDS} FROM messages m ${SENDER_AND_RECIPIENT}`;

const SUMMARY_QUERY = `
  SELECT c.id, pu.username AS peer, c.epoch, me.read_seq, peer.read_seq AS peer_read_seq
  FROM conversation_members me
  JOIN conversations c ON c.id = me.conversation_id
  -- A conversation with yourself (notes to self) has one member, who is then also the peer.
  JOIN conversation_members peer ON peer.conversation_id = c.id AND (peer.user_id <> me.user_id OR c.user_lo = c.user_hi)
  JOIN users pu ON pu.id = peer.user_id
  -- A summary names one peer: groups get their own summary (docs/groups.md).
  WHERE me.user_id = ? AND c.kind = 'direct'`;

export const toMessage = (row: MessageRow): Message => ({
  cursor: row.id,
  conversationId: row.conversation_id,
  seq: row.seq,
  from: row.from_name,
  ...(row.to_name === null ? {} : { to: row.to_name }),
  clientMsgId: row.client_msg_id,
  body: row.body,
  ts: row.created_at,
});

export interface GroupSummaryRow {
  id: number;
  group_id: string;
  name: string;
  epoch: number;
  role: 'owner' | 'admin' | 'member' | null;
  read_seq: number;
  joined_seq: number;
  left_seq: number | null;
  left_cursor: number | null;
  member_count: number;
  chain_length: number;
}

const GROUP_SUMMARY_QUERY = `
  SELECT c.id, c.group_id, c.name, c.epoch, me.role, me.read_seq, me.joined_seq, me.left_seq, me.left_cursor,
    (SELECT count(*) FROM conversation_members WHERE conversation_id = c.id AND left_cursor IS NULL) AS member_count,
    (SELECT count(*) FROM membership_changes WHERE conversation_id = c.id) AS chain_length
  FROM conversation_members me JOIN conversations c ON c.id = me.conversation_id
  WHERE me.user_id = ? AND c.kind = 'group'`;

export function prepareStatements(db: Database.Database) {
  return {
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
    // The conversation's kind and current members, one row each (no row: no such conversation).
    rosterOf: db.prepare<[number], { kind: 'direct' | 'group'; user_id: number | null }>(
      `SELECT c.kind, m.user_id FROM conversations c
       LEFT JOIN conversation_members m ON m.conversation_id = c.id AND m.left_cursor IS NULL
       WHERE c.id = ? ORDER BY m.user_id`,
    ),
    // Answered from the (client_msg_id, sender_id) index alone; read only after an insert was refused as a resend.
    duplicateId: db.prepare<[number, string], { id: number }>('SELECT id FROM messages WHERE sender_id = ? AND client_msg_id = ?'),
    newestId: db.prepare<[], { id: number }>('SELECT coalesce(max(id), 0) AS id FROM messages'),
    // A resend (same sender and clientMsgId) inserts nothing (changes = 0): one index probe, not a lookup and an
    // insert. So does a message whose place is taken (the place guard, migration 10): the store tells the two apart
    // by looking for the resend's original, which only then costs a second probe.
    insertMessage: db.prepare<[number, number, number, number, string, string, number, number]>(
      `INSERT OR IGNORE INTO messages (conversation_id, seq, sender_id, recipient_id, client_msg_id, body, created_at, prev_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    // The same insert without OR IGNORE, run only after one was ignored and was no resend: SQLite then throws the
    // constraint error that refused it.
    insertMessageOrFail: db.prepare<[number, number, number, number, string, string, number, number]>(
      `INSERT INTO messages (conversation_id, seq, sender_id, recipient_id, client_msg_id, body, created_at, prev_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    // Every conversation the user is or was in, with their window on it (a direct one's is everything).
    conversationsOf: db.prepare<[number], { conversation_id: number; joined_cursor: number; left_cursor: number | null }>(
      'SELECT conversation_id, joined_cursor, left_cursor FROM conversation_members WHERE user_id = ?',
    ),
    // The user's rows by the primary key (user_id first), each conversation's members by members_by_conversation.
    contactIds: db.prepare<[number, number], { user_id: number }>(
      `SELECT DISTINCT peer.user_id FROM conversation_members mine
       JOIN conversation_members peer ON peer.conversation_id = mine.conversation_id
       WHERE mine.user_id = ? AND peer.user_id <> ? AND mine.left_cursor IS NULL AND peer.left_cursor IS NULL`,
    ),
    // Probes of a range of spans of the conversation index (spans.ts); the index holds the id (the cursor) too.
    spanNewest: db.prepare<[number, number, number], { id: number; seq: number }>(
      `${IN_SPANS} SELECT m.id, m.seq FROM ${SPAN_JOIN} ORDER BY m.id DESC LIMIT 1`,
    ),
    spanIdsAfter: db.prepare<[number, number, number, number, number], { id: number }>(
      `${IN_SPANS} SELECT m.id FROM ${SPAN_JOIN} AND m.id > ? ORDER BY m.id LIMIT ?`,
    ),
    spanHistory: db.prepare<[number, number, number, number, number], MessageRow>(
      `${IN_SPANS} SELECT ${MESSAGE_FIELDS} FROM ${SPAN_JOIN} AND m.seq < ? ${SENDER_AND_RECIPIENT} ORDER BY m.seq DESC LIMIT ?`,
    ),
    spanCountAfter: db.prepare<[number, number, number, number, number], { total: number; others: number }>(
      `${IN_SPANS} SELECT count(*) AS total, coalesce(sum(m.sender_id <> ?), 0) AS others FROM ${SPAN_JOIN} AND m.seq > ?`,
    ),
    messagesByIds: db.prepare<[string], MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} WHERE m.id IN (SELECT value FROM json_each(?)) ORDER BY m.id`,
    ),
    messageByCursor: db.prepare<[number], MessageRow>(`SELECT ${MESSAGE_COLUMNS} WHERE m.id = ?`),
    // A group message names no recipient (recipient_id 0, GROUP_RECIPIENT), so it is read without the recipient's join.
    groupMessageByCursor: db.prepare<[number], Omit<MessageRow, 'to_name' | 'recipient_id'>>(
      `SELECT m.id, m.conversation_id, m.seq, s.username AS from_name, m.client_msg_id, m.body, m.created_at
       FROM messages m JOIN users s ON s.id = m.sender_id WHERE m.id = ? AND m.recipient_id = 0`,
    ),
    summaries: db.prepare<[number], SummaryRow>(SUMMARY_QUERY),
    groupSummaries: db.prepare<[number], GroupSummaryRow>(GROUP_SUMMARY_QUERY),
    groupSummary: db.prepare<[number, number], GroupSummaryRow>(`${GROUP_SUMMARY_QUERY} AND c.id = ?`),
    summary: db.prepare<[number, number], SummaryRow>(`${SUMMARY_QUERY} AND c.id = ?`),
    // The read mark never passes the conversation's last seq (the caller's exact count) and never goes back.
    markRead: db.prepare<[number, number, number, number, number]>(
      'UPDATE conversation_members SET read_seq = min(?, ?) WHERE user_id = ? AND conversation_id = ? AND read_seq < ?',
    ),
    readSeq: db.prepare<[number, number], { read_seq: number }>(
      'SELECT read_seq FROM conversation_members WHERE user_id = ? AND conversation_id = ?',
    ),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;

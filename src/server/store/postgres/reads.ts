// The PostgreSQL store's reads of conversations and messages: sync, history, summaries, members and read marks.
import type pg from 'pg';
import type { ConversationSummary, Message } from '../../../shared/protocol.js';
import type { ReadResult } from '../store.js';

interface MessageRow {
  id: number;
  conversation_id: number;
  seq: number;
  from_name: string;
  /** Null for a group message (recipient_id 0 names no account). */
  to_name: string | null;
  client_msg_id: string;
  body: Buffer;
  created_at: number;
}

const toMessage = (row: MessageRow): Message => ({
  cursor: row.id,
  conversationId: row.conversation_id,
  seq: row.seq,
  from: row.from_name,
  ...(row.to_name === null ? {} : { to: row.to_name }),
  clientMsgId: row.client_msg_id,
  body: row.body.toString('utf8'),
  ts: row.created_at,
});

// A group message names no recipient (0): the recipient's join finds no one, and the message has no `to`.
const MESSAGE_FIELDS = `m.id, m.conversation_id, m.seq, s.username AS from_name, r.username AS to_name, m.client_msg_id, m.body, m.created_at`;
const SENDER_AND_RECIPIENT = 'JOIN users s ON s.id = m.sender_id LEFT JOIN users r ON r.id = m.recipient_id';

interface SummaryRow {
  id: number;
  peer: string;
  epoch: number;
  last_seq: number;
  last_id: number;
  read_seq: number;
  peer_read_seq: number;
  unread: number;
}

// A summary names one peer (groups get their own summary, docs/groups.md); a conversation with yourself has one member, who is also the peer.
const SUMMARY_QUERY = `
  SELECT c.id, pu.username AS peer, c.epoch, c.last_seq, c.last_id, me.read_seq, peer.read_seq AS peer_read_seq,
    (SELECT count(*) FROM messages u WHERE u.conversation_id = c.id AND u.seq > me.read_seq AND u.sender_id <> me.user_id) AS unread
  FROM conversation_members me
  JOIN conversations c ON c.id = me.conversation_id
  JOIN conversation_members peer ON peer.conversation_id = c.id AND (peer.user_id <> me.user_id OR c.user_lo = c.user_hi)
  JOIN users pu ON pu.id = peer.user_id
  WHERE me.user_id = $1 AND c.kind = 'direct'`;

interface GroupSummaryRow {
  id: number;
  group_id: string;
  name: string;
  epoch: number;
  role: 'owner' | 'admin' | 'member' | null;
  read_seq: number;
  joined_seq: number;
  left_cursor: number | null;
  /** The member's last seq: where they left, or the conversation's newest. */
  upto_seq: number;
  member_count: number;
  chain_length: number;
  unread: number;
}

// A group as one member (current or former) sees it: their window ends where they left, and only others' messages
// up to there count as unread.
const GROUP_SUMMARY_QUERY = `
  SELECT c.id, c.group_id, c.name, c.epoch, me.role, me.read_seq, me.joined_seq, me.left_cursor, coalesce(me.left_seq, c.last_seq) AS upto_seq,
    (SELECT count(*) FROM conversation_members WHERE conversation_id = c.id AND left_cursor IS NULL) AS member_count,
    (SELECT count(*) FROM membership_changes WHERE conversation_id = c.id) AS chain_length,
    (SELECT count(*) FROM messages u WHERE u.conversation_id = c.id AND u.seq > me.read_seq AND u.seq <= coalesce(me.left_seq, c.last_seq)
       AND u.sender_id <> me.user_id) AS unread
  FROM conversation_members me JOIN conversations c ON c.id = me.conversation_id
  WHERE me.user_id = $1 AND c.kind = 'group'`;

export class PgReads {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * The user's messages with a cursor past `after`, oldest first, each conversation within the user's window on it
   * (a group's: from joining to leaving; a direct one's is everything); conversations with nothing new are not searched.
   */
  async messagesAfter(userId: number, after: number, limit: number): Promise<Message[]> {
    const { rows } = await this.pool.query<MessageRow>(
      `SELECT ${MESSAGE_FIELDS}
       FROM conversation_members cm
       JOIN conversations c ON c.id = cm.conversation_id AND c.last_id > greatest($2, cm.joined_cursor)
       JOIN messages m ON m.conversation_id = c.id AND m.id > greatest($2, cm.joined_cursor) AND (cm.left_cursor IS NULL OR m.id <= cm.left_cursor)
       ${SENDER_AND_RECIPIENT}
       WHERE cm.user_id = $1 ORDER BY m.id LIMIT $3`,
      [userId, after, limit],
    );
    return rows.map(toMessage);
  }

  async history(conversationId: number, before: number | undefined, limit: number): Promise<Message[]> {
    const { rows } = await this.pool.query<MessageRow>(
      `SELECT ${MESSAGE_FIELDS} FROM messages m ${SENDER_AND_RECIPIENT}
       WHERE m.conversation_id = $1 AND m.seq < $2 ORDER BY m.seq DESC LIMIT $3`,
      [conversationId, before ?? Number.MAX_SAFE_INTEGER, limit],
    );
    return rows.map(toMessage).reverse();
  }

  /** Direct conversations with messages, and groups from their creation on; newest message first, those without any last. */
  async conversations(userId: number): Promise<ConversationSummary[]> {
    const { rows } = await this.pool.query<SummaryRow>(`${SUMMARY_QUERY} AND c.last_id > 0`, [userId]);
    const groups = await this.pool.query<GroupSummaryRow>(GROUP_SUMMARY_QUERY, [userId]);
    const all = [...(await this.summaries(rows)), ...(await this.groupSummaries(groups.rows))];
    const at = (c: ConversationSummary) => c.lastMessage?.cursor ?? 0;
    return all.sort((a, b) => at(b) - at(a) || b.id - a.id);
  }

  async conversation(userId: number, conversationId: number): Promise<ConversationSummary | undefined> {
    const { rows } = await this.pool.query<SummaryRow>(`${SUMMARY_QUERY} AND c.id = $2`, [userId, conversationId]);
    if (rows.length > 0) return (await this.summaries(rows))[0];
    const groups = await this.pool.query<GroupSummaryRow>(`${GROUP_SUMMARY_QUERY} AND c.id = $2`, [userId, conversationId]);
    return (await this.groupSummaries(groups.rows))[0];
  }

  /** The current members of a conversation (direct or group) in id order; undefined when there is no such conversation. */
  async members(conversationId: number): Promise<number[] | undefined> {
    const { rows } = await this.pool.query<{ members: number[] }>(
      `SELECT ARRAY(SELECT m.user_id FROM conversation_members m WHERE m.conversation_id = c.id AND m.left_cursor IS NULL ORDER BY m.user_id) AS members
       FROM conversations c WHERE c.id = $1`,
      [conversationId],
    );
    return rows[0]?.members;
  }

  async peersOf(userId: number, conversationId: number): Promise<number[] | undefined> {
    const members = await this.members(conversationId);
    return members?.includes(userId) ? members.filter((id) => id !== userId) : undefined;
  }

  async contactIds(userId: number): Promise<number[]> {
    const { rows } = await this.pool.query<{ user_id: number }>(
      `SELECT DISTINCT peer.user_id FROM conversation_members mine
       JOIN conversation_members peer ON peer.conversation_id = mine.conversation_id
       WHERE mine.user_id = $1 AND peer.user_id <> $1 AND mine.left_cursor IS NULL AND peer.left_cursor IS NULL
       ORDER BY peer.user_id`,
      [userId],
    );
    return rows.map((row) => row.user_id);
  }

  /** The read mark never passes the conversation's last seq and never goes back. */
  async markRead(userId: number, conversationId: number, seq: number): Promise<ReadResult | undefined> {
    const peers = await this.peersOf(userId, conversationId);
    if (!peers) return undefined;
    const { rows } = await this.pool.query<{ read_seq: number; changed: boolean }>(
      `WITH moved AS (
         UPDATE conversation_members m SET read_seq = least($3::bigint, c.last_seq) FROM conversations c
         WHERE c.id = m.conversation_id AND m.user_id = $1 AND m.conversation_id = $2 AND m.read_seq < $3
         RETURNING m.read_seq
       )
       SELECT coalesce((SELECT read_seq FROM moved), (SELECT read_seq FROM conversation_members WHERE user_id = $1 AND conversation_id = $2), 0) AS read_seq,
         EXISTS (SELECT 1 FROM moved) AS changed`,
      [userId, conversationId, seq],
    );
    return { readSeq: rows[0]!.read_seq, memberIds: peers, changed: rows[0]!.changed };
  }

  /** Each group's last message within the member's window: the one at their last seq, if they saw any. */
  private async groupSummaries(rows: readonly GroupSummaryRow[]): Promise<ConversationSummary[]> {
    const seen = rows.filter((r) => r.upto_seq > r.joined_seq);
    const last = new Map<number, Message>();
    if (seen.length > 0) {
      const found = await this.pool.query<MessageRow>(
        `SELECT ${MESSAGE_FIELDS} FROM unnest($1::bigint[], $2::bigint[]) AS w(conversation_id, seq)
         JOIN messages m ON m.conversation_id = w.conversation_id AND m.seq = w.seq ${SENDER_AND_RECIPIENT}`,
        [seen.map((r) => r.id), seen.map((r) => r.upto_seq)],
      );
      for (const row of found.rows) last.set(row.conversation_id, toMessage(row));
    }
    return rows.map((r) => ({
      id: r.id,
      kind: 'group',
      groupId: r.group_id,
      name: r.name,
      memberCount: r.member_count,
      role: r.left_cursor === null ? r.role : null,
      lastSeq: r.upto_seq,
      readSeq: r.read_seq,
      unread: r.upto_seq > r.read_seq ? r.unread : 0,
      lastMessage: r.upto_seq > r.joined_seq ? (last.get(r.id) ?? null) : null,
      epoch: r.epoch,
      chainLength: r.chain_length,
    }));
  }

  private async summaries(rows: readonly SummaryRow[]): Promise<ConversationSummary[]> {
    const lastIds = rows.filter((r) => r.last_id > 0).map((r) => r.last_id);
    const last = new Map<number, Message>();
    if (lastIds.length > 0) {
      const found = await this.pool.query<MessageRow>(`SELECT ${MESSAGE_FIELDS} FROM messages m ${SENDER_AND_RECIPIENT} WHERE m.id = ANY($1::bigint[])`, [lastIds]);
      for (const row of found.rows) last.set(row.id, toMessage(row));
    }
    return rows.map((r) => ({
      id: r.id,
      kind: 'direct',
      peer: r.peer,
      lastSeq: r.last_seq,
      readSeq: r.read_seq,
      peerReadSeq: r.peer_read_seq,
      unread: r.unread,
      lastMessage: last.get(r.last_id) ?? null,
      epoch: r.epoch,
    }));
  }
}

// The PostgreSQL store's groups: creation, the signed membership chain, and the member rows each change leaves.
// A membership change locks the log (log_head) as a batch of messages does: a group send is checked against the
// members that hold when it commits, and newcomers join at the log's exact newest cursor.
import type pg from 'pg';
import { decodeMembershipChange, GENESIS_PREV, MAX_GROUP_MEMBERS, membershipChangeHash, sameHead } from '../../../shared/crypto/index.js';
import type { GroupMemberInput, GroupMemberRow, GroupRole, GroupView, MembershipRefusal, MembershipUpdate, NewGroup, StoredChange } from '../store.js';
import { type Db, isUniqueViolation, transaction } from './pool.js';

interface ViewRow {
  group_id: string;
  name: string;
  shares_history: boolean;
  epoch: number;
  role: GroupRole | null;
  joined_seq: number;
  left_seq: number | null;
  left_index: number | null;
  chain_length: number;
  member_count: number;
}

interface MemberRow {
  user_id: number;
  role: GroupRole | null;
  left_cursor: number | null;
}

export class PgGroups {
  constructor(private readonly pool: pg.Pool) {}

  async create(group: NewGroup): Promise<{ conversationId: number } | MembershipRefusal> {
    const decoded = decodeMembershipChange(group.change)?.change;
    if (decoded?.index !== 0 || decoded.groupId !== group.groupId || !sameHead(decoded.prev, GENESIS_PREV)) return 'bad-change';
    try {
      return await transaction(this.pool, async (client) => {
        const refusal = await this.checkMembers(client, group.members);
        if (refusal !== undefined) return refusal;
        const inserted = await client.query<{ id: number }>(
          "INSERT INTO conversations (kind, created_at, group_id, name, shares_history) VALUES ('group', $1, $2, $3, $4) ON CONFLICT (group_id) DO NOTHING RETURNING id",
          [group.now, group.groupId, group.name, group.sharesHistory],
        );
        const conversationId = inserted.rows[0]?.id;
        if (conversationId === undefined) return 'group-exists';
        await client.query(
          'INSERT INTO conversation_members (conversation_id, user_id, role, joined_cursor, joined_seq, read_seq) SELECT $1, u, r, 0, 0, 0 FROM unnest($2::bigint[], $3::text[]) AS m(u, r)',
          [conversationId, group.members.map((m) => m.userId), group.members.map((m) => m.role)],
        );
        await client.query('INSERT INTO membership_changes (conversation_id, idx, change, created_at, after_seq) VALUES ($1, 0, $2, $3, 0)', [conversationId, group.change, group.now]);
        return { conversationId };
      });
    } catch (error) {
      // Another node created the same group id between the lookup and the insert.
      if (isUniqueViolation(error)) return 'group-exists';
      throw error;
    }
  }

  async append(u: MembershipUpdate): Promise<'appended' | MembershipRefusal> {
    return transaction(this.pool, async (client) => {
      const { rows: heads } = await client.query<{ last_id: number }>('SELECT last_id FROM log_head WHERE id = 1 FOR UPDATE');
      const { rows } = await client.query<{ group_id: string; last_seq: number }>("SELECT group_id, last_seq FROM conversations WHERE id = $1 AND kind = 'group'", [u.conversationId]);
      const group = rows[0];
      if (!group) return 'not-a-group';
      const decoded = decodeMembershipChange(u.change)?.change;
      if (decoded?.index !== u.index || decoded.groupId !== group.group_id) return 'bad-change';
      // The chain stays linked: the change must follow the stored head, whoever raced it there.
      const last = await client.query<{ idx: number; change: string }>('SELECT idx, change FROM membership_changes WHERE conversation_id = $1 ORDER BY idx DESC LIMIT 1', [u.conversationId]);
      const head = last.rows[0];
      if (head?.idx !== u.index - 1 || !sameHead(decoded.prev, membershipChangeHash(head.change) ?? GENESIS_PREV)) return 'conflict';
      const refusal = await this.checkMembers(client, u.members);
      if (refusal !== undefined) return refusal;
      await this.applyMembers(client, u, heads[0]!.last_id, group.last_seq);
      await client.query('UPDATE conversations SET name = $1, shares_history = $2 WHERE id = $3', [u.name, u.sharesHistory, u.conversationId]);
      // The log's lock is held: no message of this conversation commits between the read of last_seq and this row.
      await client.query('INSERT INTO membership_changes (conversation_id, idx, change, created_at, after_seq) VALUES ($1, $2, $3, $4, $5)', [
        u.conversationId,
        u.index,
        u.change,
        u.now,
        group.last_seq,
      ]);
      return 'appended';
    });
  }

  async changes(conversationId: number, fromIndex: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ change: string }>('SELECT change FROM membership_changes WHERE conversation_id = $1 AND idx >= $2 ORDER BY idx', [conversationId, fromIndex]);
    return rows.map((r) => r.change);
  }

  /** Changes `from` to `to` (inclusive), at most `limit`, each with the conversation's last seq when it was stored. */
  async changeLog(conversationId: number, from: number, to: number, limit: number): Promise<StoredChange[]> {
    const { rows } = await this.pool.query<{ idx: number; change: string; after_seq: number }>(
      'SELECT idx, change, after_seq FROM membership_changes WHERE conversation_id = $1 AND idx >= $2 AND idx <= $3 ORDER BY idx LIMIT $4',
      [conversationId, from, to, limit],
    );
    return rows.map((r) => ({ index: r.idx, change: r.change, afterSeq: r.after_seq }));
  }

  /** The group as one member (current or former) sees it; undefined if they never were one. */
  async view(userId: number, conversationId: number): Promise<GroupView | undefined> {
    const { rows } = await this.pool.query<ViewRow>(
      `SELECT c.group_id, c.name, c.shares_history, c.epoch, me.role, me.joined_seq, me.left_seq, me.left_index,
         (SELECT count(*) FROM membership_changes WHERE conversation_id = c.id) AS chain_length,
         (SELECT count(*) FROM conversation_members WHERE conversation_id = c.id AND left_cursor IS NULL) AS member_count
       FROM conversation_members me JOIN conversations c ON c.id = me.conversation_id
       WHERE me.user_id = $1 AND me.conversation_id = $2 AND c.kind = 'group'`,
      [userId, conversationId],
    );
    const row = rows[0];
    if (!row) return undefined;
    const left = row.left_index !== null;
    return {
      groupId: row.group_id,
      name: row.name,
      sharesHistory: row.shares_history,
      epoch: row.epoch,
      role: left ? null : row.role,
      leftIndex: row.left_index,
      window: { afterSeq: row.joined_seq, upToSeq: row.left_seq },
      chainLength: row.chain_length,
      memberCount: row.member_count,
    };
  }

  /** How far each current member has read, by username. */
  async readMarks(conversationId: number): Promise<{ username: string; readSeq: number }[]> {
    const { rows } = await this.pool.query<{ username: string; read_seq: number }>(
      `SELECT u.username, m.read_seq FROM conversation_members m JOIN users u ON u.id = m.user_id
       WHERE m.conversation_id = $1 AND m.left_cursor IS NULL ORDER BY u.username`,
      [conversationId],
    );
    return rows.map((r) => ({ username: r.username, readSeq: r.read_seq }));
  }

  async members(conversationId: number): Promise<GroupMemberRow[] | undefined> {
    const group = await this.pool.query("SELECT 1 FROM conversations WHERE id = $1 AND kind = 'group'", [conversationId]);
    if (group.rowCount === 0) return undefined;
    const { rows } = await this.pool.query<{ user_id: number; username: string; role: GroupRole; joined_cursor: number }>(
      `SELECT m.user_id, u.username, m.role, m.joined_cursor FROM conversation_members m JOIN users u ON u.id = m.user_id
       WHERE m.conversation_id = $1 AND m.left_cursor IS NULL ORDER BY m.user_id`,
      [conversationId],
    );
    return rows.map((r) => ({ userId: r.user_id, username: r.username, role: r.role, joinedCursor: r.joined_cursor }));
  }

  /** At least one member and at most the limit, each once, each an account. */
  private async checkMembers(db: Db, members: readonly GroupMemberInput[]): Promise<MembershipRefusal | undefined> {
    if (members.length > MAX_GROUP_MEMBERS) return 'too-many-members';
    const ids = new Set(members.map((m) => m.userId));
    if (ids.size === 0 || ids.size !== members.length) return 'unknown-member';
    const { rows } = await db.query<{ n: number }>('SELECT count(*) AS n FROM users WHERE id = ANY($1::bigint[])', [[...ids]]);
    return rows[0]!.n === ids.size ? undefined : 'unknown-member';
  }

  /**
   * Makes the member rows what the change leaves: newcomers join at the log's newest cursor (at 0 when the group
   * shares its history) with nothing unread, members who return likewise, roles follow, and those no longer named
   * keep their row with the cursor where their reading ends.
   */
  private async applyMembers(client: pg.PoolClient, u: MembershipUpdate, newest: number, lastSeq: number): Promise<void> {
    const { rows } = await client.query<MemberRow>('SELECT user_id, role, left_cursor FROM conversation_members WHERE conversation_id = $1', [u.conversationId]);
    const existing = new Map(rows.map((row): [number, MemberRow] => [row.user_id, row]));
    const joinedCursor = u.sharesHistory ? 0 : newest;
    const joinedSeq = u.sharesHistory ? 0 : lastSeq;
    const named = new Set<number>();
    for (const { userId, role } of u.members) {
      named.add(userId);
      const row = existing.get(userId);
      if (row === undefined) {
        await client.query('INSERT INTO conversation_members (conversation_id, user_id, role, joined_cursor, joined_seq, read_seq) VALUES ($1, $2, $3, $4, $5, $6)', [
          u.conversationId,
          userId,
          role,
          joinedCursor,
          joinedSeq,
          lastSeq,
        ]);
      } else if (row.left_cursor !== null) {
        await client.query(
          `UPDATE conversation_members SET role = $1, joined_cursor = $2, joined_seq = $3, left_cursor = NULL, left_seq = NULL, left_index = NULL,
           read_seq = greatest(read_seq, $4) WHERE conversation_id = $5 AND user_id = $6`,
          [role, joinedCursor, joinedSeq, lastSeq, u.conversationId, userId],
        );
      } else if (row.role !== role) {
        await client.query('UPDATE conversation_members SET role = $1 WHERE conversation_id = $2 AND user_id = $3', [role, u.conversationId, userId]);
      }
    }
    const leaving = rows.filter((row) => row.left_cursor === null && !named.has(row.user_id)).map((row) => row.user_id);
    if (leaving.length > 0) {
      await client.query('UPDATE conversation_members SET left_cursor = $1, left_seq = $2, left_index = $3 WHERE conversation_id = $4 AND user_id = ANY($5::bigint[])', [
        newest,
        lastSeq,
        u.index,
        u.conversationId,
        leaving,
      ]);
    }
  }
}

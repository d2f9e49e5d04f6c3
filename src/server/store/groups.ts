// The SQLite store's groups: a group's creation, its signed membership chain, and the member rows each change leaves.
// Internal to SqliteStore, which answers the Store interface's group methods with it (docs/groups.md).
import type Database from 'better-sqlite3';
import { decodeMembershipChange, GENESIS_PREV, MAX_GROUP_MEMBERS, membershipChangeHash, sameHead } from '../../shared/crypto/index.js';
import type { ConversationHead } from './message-writer.js';
import type { Rosters } from './rosters.js';
import type { GroupMemberInput, GroupMemberRow, GroupRole, GroupView, MembershipRefusal, MembershipUpdate, NewGroup, StoredChange } from './store.js';

/** What the store needs of the message log: its newest cursor, and a conversation's last seq. */
export interface LogPosition {
  newestCursor(): number;
  lastSeq(conversationId: number): number;
}

interface MemberRow {
  user_id: number;
  role: GroupRole | null;
  left_cursor: number | null;
}

/** Synchronous, on the store's connection; every write is one transaction, checked before anything is written. */
export class SqliteGroups {
  private readonly stmt;
  private readonly createTx;
  private readonly appendTx;

  constructor(
    db: Database.Database,
    private readonly log: LogPosition,
    private readonly rosters: Rosters,
  ) {
    this.stmt = {
      group: db.prepare<[number], { group_id: string; shares_history: number }>(
        "SELECT group_id, shares_history FROM conversations WHERE id = ? AND kind = 'group'",
      ),
      groupById: db.prepare<[string], { id: number }>('SELECT id FROM conversations WHERE group_id = ?'),
      userExists: db.prepare<[number], { id: number }>('SELECT id FROM users WHERE id = ?'),
      insertGroup: db.prepare<[number, string, string, number]>(
        "INSERT INTO conversations (kind, created_at, group_id, name, shares_history) VALUES ('group', ?, ?, ?, ?)",
      ),
      setGroup: db.prepare<[string, number, number]>('UPDATE conversations SET name = ?, shares_history = ? WHERE id = ?'),
      memberRows: db.prepare<[number], MemberRow>('SELECT user_id, role, left_cursor FROM conversation_members WHERE conversation_id = ?'),
      insertMember: db.prepare<[number, number, GroupRole, number, number, number]>(
        'INSERT INTO conversation_members (conversation_id, user_id, role, joined_cursor, joined_seq, read_seq) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      rejoin: db.prepare<[GroupRole, number, number, number, number, number]>(
        `UPDATE conversation_members SET role = ?, joined_cursor = ?, joined_seq = ?, left_cursor = NULL, left_seq = NULL, left_index = NULL,
         read_seq = max(read_seq, ?) WHERE conversation_id = ? AND user_id = ?`,
      ),
      setRole: db.prepare<[GroupRole, number, number]>('UPDATE conversation_members SET role = ? WHERE conversation_id = ? AND user_id = ?'),
      markLeft: db.prepare<[number, number, number, number, number]>(
        'UPDATE conversation_members SET left_cursor = ?, left_seq = ?, left_index = ? WHERE conversation_id = ? AND user_id = ?',
      ),
      currentMembers: db.prepare<[number], { user_id: number; username: string; role: GroupRole; joined_cursor: number }>(
        `SELECT m.user_id, u.username, m.role, m.joined_cursor FROM conversation_members m JOIN users u ON u.id = m.user_id
         WHERE m.conversation_id = ? AND m.left_cursor IS NULL ORDER BY m.user_id`,
      ),
      lastChange: db.prepare<[number], { idx: number; change: string }>(
        'SELECT idx, change FROM membership_changes WHERE conversation_id = ? ORDER BY idx DESC LIMIT 1',
      ),
      insertChange: db.prepare<[number, number, string, number, number]>(
        'INSERT INTO membership_changes (conversation_id, idx, change, created_at, after_seq) VALUES (?, ?, ?, ?, ?)',
      ),
      changeLog: db.prepare<[number, number, number, number], { idx: number; change: string; after_seq: number }>(
        'SELECT idx, change, after_seq FROM membership_changes WHERE conversation_id = ? AND idx >= ? AND idx <= ? ORDER BY idx LIMIT ?',
      ),
      view: db.prepare<
        [number, number],
        {
          group_id: string;
          name: string;
          shares_history: number;
          epoch: number;
          role: GroupRole | null;
          joined_seq: number;
          left_seq: number | null;
          left_index: number | null;
          chain_length: number;
          member_count: number;
        }
      >(
        `SELECT c.group_id, c.name, c.shares_history, c.epoch, me.role, me.joined_seq, me.left_seq, me.left_index,
           (SELECT count(*) FROM membership_changes WHERE conversation_id = c.id) AS chain_length,
           (SELECT count(*) FROM conversation_members WHERE conversation_id = c.id AND left_cursor IS NULL) AS member_count
         FROM conversation_members me JOIN conversations c ON c.id = me.conversation_id
         WHERE me.user_id = ? AND me.conversation_id = ? AND c.kind = 'group'`,
      ),
      readMarks: db.prepare<[number], { username: string; read_seq: number }>(
        `SELECT u.username, m.read_seq FROM conversation_members m JOIN users u ON u.id = m.user_id
         WHERE m.conversation_id = ? AND m.left_cursor IS NULL ORDER BY u.username`,
      ),
      changesFrom: db.prepare<[number, number], { change: string }>(
        'SELECT change FROM membership_changes WHERE conversation_id = ? AND idx >= ? ORDER BY idx',
      ),
    };
    this.createTx = db.transaction((group: NewGroup, heads: Map<number, ConversationHead>): { conversationId: number } | MembershipRefusal => {
      const decoded = decodeMembershipChange(group.change)?.change;
      if (decoded?.index !== 0 || decoded.groupId !== group.groupId || !sameHead(decoded.prev, GENESIS_PREV)) return 'bad-change';
      const refusal = this.checkMembers(group.members);
      if (refusal !== undefined) return refusal;
      if (this.stmt.groupById.get(group.groupId)) return 'group-exists';
      const conversationId = Number(this.stmt.insertGroup.run(group.now, group.groupId, group.name, group.sharesHistory ? 1 : 0).lastInsertRowid);
      for (const m of group.members) this.stmt.insertMember.run(conversationId, m.userId, m.role, 0, 0, 0);
      this.stmt.insertChange.run(conversationId, 0, group.change, group.now, 0);
      // A new conversation has no messages: its head is known, and looking for one would probe every span.
      heads.set(conversationId, { id: conversationId, lastSeq: 0, lastId: 0 });
      return { conversationId };
    });
    this.appendTx = db.transaction((u: MembershipUpdate): 'appended' | MembershipRefusal => {
      const group = this.stmt.group.get(u.conversationId);
      if (!group) return 'not-a-group';
      const decoded = decodeMembershipChange(u.change)?.change;
      if (decoded?.index !== u.index || decoded.groupId !== group.group_id) return 'bad-change';
      // The chain stays linked: the change must follow the stored head, whoever raced it there.
      const head = this.stmt.lastChange.get(u.conversationId);
      if (head?.idx !== u.index - 1 || !sameHead(decoded.prev, membershipChangeHash(head.change) ?? GENESIS_PREV)) return 'conflict';
      const refusal = this.checkMembers(u.members);
      if (refusal !== undefined) return refusal;
      this.applyMembers(u);
      this.stmt.setGroup.run(u.name, u.sharesHistory ? 1 : 0, u.conversationId);
      this.stmt.insertChange.run(u.conversationId, u.index, u.change, u.now, this.log.lastSeq(u.conversationId));
      return 'appended';
    });
  }

  /** Creates the group; `heads` (the writer's staged heads) learns its empty head once the transaction commits. */
  create(group: NewGroup, heads: Map<number, ConversationHead>): { conversationId: number } | MembershipRefusal {
    return this.createTx(group, heads);
  }

  append(update: MembershipUpdate): 'appended' | MembershipRefusal {
    try {
      return this.appendTx(update);
    } finally {
      // Read again on next use: from the new rows once committed, from the old ones if the commit failed.
      this.rosters.forget(update.conversationId);
    }
  }

  changes(conversationId: number, fromIndex: number): string[] {
    return this.stmt.changesFrom.all(conversationId, fromIndex).map((row) => row.change);
  }

  /** Changes `from` to `to` (inclusive), at most `limit`, each with the conversation's last seq when it was stored. */
  changeLog(conversationId: number, from: number, to: number, limit: number): StoredChange[] {
    return this.stmt.changeLog.all(conversationId, from, to, limit).map((r) => ({ index: r.idx, change: r.change, afterSeq: r.after_seq }));
  }

  /** The group as one member (current or former) sees it; undefined if they never were one. */
  view(userId: number, conversationId: number): GroupView | undefined {
    const row = this.stmt.view.get(userId, conversationId);
    if (!row) return undefined;
    const left = row.left_index !== null;
    return {
      groupId: row.group_id,
      name: row.name,
      sharesHistory: row.shares_history === 1,
      epoch: row.epoch,
      role: left ? null : row.role,
      leftIndex: row.left_index,
      window: { afterSeq: row.joined_seq, upToSeq: row.left_seq },
      chainLength: row.chain_length,
      memberCount: row.member_count,
    };
  }

  readMarks(conversationId: number): { username: string; readSeq: number }[] {
    return this.stmt.readMarks.all(conversationId).map((r) => ({ username: r.username, readSeq: r.read_seq }));
  }

  members(conversationId: number): GroupMemberRow[] | undefined {
    if (!this.stmt.group.get(conversationId)) return undefined;
    return this.stmt.currentMembers.all(conversationId).map((r) => ({ userId: r.user_id, username: r.username, role: r.role, joinedCursor: r.joined_cursor }));
  }

  /** At least one member and at most the limit, each once, each an account. */
  private checkMembers(members: readonly GroupMemberInput[]): MembershipRefusal | undefined {
    if (members.length > MAX_GROUP_MEMBERS) return 'too-many-members';
    const ids = new Set(members.map((m) => m.userId));
    if (ids.size === 0 || ids.size !== members.length) return 'unknown-member';
    for (const id of ids) if (!this.stmt.userExists.get(id)) return 'unknown-member';
    return undefined;
  }

  /**
   * Makes the member rows what the change leaves: newcomers join at the log's newest cursor (at 0 when the group
   * shares its history) with nothing unread, members who return likewise, roles follow, and those no longer named
   * keep their row with the cursor where their reading ends.
   */
  private applyMembers(u: MembershipUpdate): void {
    const rows = new Map(this.stmt.memberRows.all(u.conversationId).map((row): [number, MemberRow] => [row.user_id, row]));
    const newest = this.log.newestCursor();
    const joinedCursor = u.sharesHistory ? 0 : newest;
    const lastSeq = this.log.lastSeq(u.conversationId);
    const joinedSeq = u.sharesHistory ? 0 : lastSeq;
    const named = new Set<number>();
    for (const { userId, role } of u.members) {
      named.add(userId);
      const row = rows.get(userId);
      if (row === undefined) this.stmt.insertMember.run(u.conversationId, userId, role, joinedCursor, joinedSeq, lastSeq);
      else if (row.left_cursor !== null) this.stmt.rejoin.run(role, joinedCursor, joinedSeq, lastSeq, u.conversationId, userId);
      else if (row.role !== role) this.stmt.setRole.run(role, u.conversationId, userId);
    }
    for (const row of rows.values()) {
      if (row.left_cursor === null && !named.has(row.user_id)) this.stmt.markLeft.run(newest, lastSeq, u.index, u.conversationId, row.user_id);
    }
  }
}

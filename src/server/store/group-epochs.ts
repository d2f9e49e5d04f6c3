// The SQLite store's group epochs: pages of ek3 copies held pending until complete, and earlier epochs re-sealed to
// newcomers of a group that shares its history. Internal to SqliteKeys (docs/groups.md#epochs).
import type Database from 'better-sqlite3';
import { readGroupEpochKeyHeader } from '../../shared/crypto/index.js';
import type { EpochResult, GroupEpochPage, SealedFor } from './store.js';

interface PendingRow {
  recipient_id: number;
  recipient_key_version: number;
  creator_id: number;
  created_at: number;
  sealed: string;
}

type Insert = (conversationId: number, epoch: number, creatorId: number, copies: readonly SealedFor[], now: number) => void;

/**
 * One frame of a group epoch, as one transaction (run by the caller's `db.transaction`). Copies of the epoch after
 * the current one are held pending (stored, not current: `epochKeys` skips them) until a frame without `more`
 * leaves exactly one copy for each member; then the epoch becomes current and every copy is returned for the
 * `epoch` events. Only the pending epoch's creator adds to it, unless it was overtaken by a membership change
 * (its copies name another chain length) or is older than `staleBefore`: then another epoch replaces it (its
 * creator's too, when it names a member the pending one holds).
 */
export function groupEpochWriter(db: Database.Database, insert: Insert) {
  const stmt = {
    conversation: db.prepare<[number], { epoch: number }>("SELECT epoch FROM conversations WHERE id = ? AND kind = 'group'"),
    copiesOf: db.prepare<[number, number], PendingRow>(
      `SELECT recipient_id, recipient_key_version, creator_id, created_at, sealed FROM epoch_keys
       WHERE conversation_id = ? AND epoch = ? ORDER BY created_at, recipient_id`,
    ),
    dropPending: db.prepare<[number, number]>('DELETE FROM epoch_keys WHERE conversation_id = ? AND epoch = ?'),
    bumpEpoch: db.prepare<[number, number, number]>('UPDATE conversations SET epoch = ? WHERE id = ? AND epoch = ?'),
  };
  const asCopy = (r: PendingRow): SealedFor => ({ recipientId: r.recipient_id, recipientKeyVersion: r.recipient_key_version, sealed: r.sealed });

  return (conversationId: number, epoch: number, creatorId: number, copies: readonly SealedFor[], now: number, page: GroupEpochPage): EpochResult => {
    const current = stmt.conversation.get(conversationId)?.epoch;
    if (current === undefined) return 'refused';
    const members = new Set(page.members);
    if (copies.some((c) => !members.has(c.recipientId))) return 'refused';
    if (epoch <= current) {
      // Shared history: an earlier, complete epoch re-sealed to current members who have no copy of it yet.
      const holders = new Set(stmt.copiesOf.all(conversationId, epoch).map((r) => r.recipient_id));
      if (!page.sharesHistory || holders.size === 0 || copies.some((c) => holders.has(c.recipientId))) return 'refused';
      insert(conversationId, epoch, creatorId, copies, now);
      return { completed: copies };
    }
    if (epoch !== current + 1) return 'conflict';
    let pending = stmt.copiesOf.all(conversationId, epoch);
    const first = pending[0];
    if (first) {
      const overtaken = readGroupEpochKeyHeader(first.sealed)?.chainLength !== page.chainLength;
      // Once stale, its own creator may start it again too (a frame naming a member it already holds).
      const restart = first.creator_id !== creatorId || copies.some((c) => pending.some((r) => r.recipient_id === c.recipientId));
      if (overtaken || (restart && first.created_at < page.staleBefore)) {
        stmt.dropPending.run(conversationId, epoch);
        pending = [];
      } else if (first.creator_id !== creatorId) {
        return 'conflict';
      }
    }
    const holders = new Set(pending.map((r) => r.recipient_id));
    if (copies.some((c) => holders.has(c.recipientId))) return 'refused';
    if (!page.more && holders.size + copies.length !== members.size) return 'refused';
    insert(conversationId, epoch, creatorId, copies, now);
    if (page.more) return 'pending';
    if (stmt.bumpEpoch.run(epoch, conversationId, current).changes === 0) return 'conflict';
    return { completed: [...pending.map(asCopy), ...copies] };
  };
}

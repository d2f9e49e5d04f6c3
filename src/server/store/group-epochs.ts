// Group epochs, for both stores: pages of ek3 copies held pending until complete, and earlier epochs re-sealed to
// newcomers of a group that shares its history (docs/groups.md#epochs). `planGroupEpoch` decides from what the
// transaction read; each store reads, applies the plan and commits in one transaction (SQLite here, PostgreSQL in
// postgres/keys.ts).
import type Database from 'better-sqlite3';
import { readGroupEpochKeyHeader } from '../../shared/crypto/index.js';
import type { EpochResult, GroupEpochPage, SealedFor } from './store.js';

/** A stored copy of the epoch a frame names. */
export interface EpochCopyRow {
  recipient_id: number;
  recipient_key_version: number;
  creator_id: number;
  created_at: number;
  sealed: string;
}

/** What one frame does: drop the pending epoch first, insert the frame's copies, make the epoch current; then answer. */
export interface GroupEpochPlan {
  drop: boolean;
  insert: boolean;
  /** Move the conversation's epoch from `current` to the frame's: 'conflict' if another frame moved it first. */
  bump: boolean;
  result: EpochResult;
}

const refuse = (result: EpochResult): GroupEpochPlan => ({ drop: false, insert: false, bump: false, result });
const asCopy = (r: EpochCopyRow): SealedFor => ({ recipientId: r.recipient_id, recipientKeyVersion: r.recipient_key_version, sealed: r.sealed });

/**
 * One frame of a group epoch. Copies of the epoch after the current one are held pending (stored, not current:
 * `epochKeys` skips them) until a frame without `more` leaves exactly one copy for each member; then the epoch
 * becomes current and every copy is returned for the `epoch` events. Only the pending epoch's creator adds to it,
 * unless it was overtaken by a membership change (its copies name another chain length) or is older than
 * `staleBefore`: then another epoch replaces it (its creator's too, when it names a member the pending one holds).
 * `current` is the group's epoch (undefined: no such group); `stored` the copies of the frame's epoch.
 */
export function planGroupEpoch(
  current: number | undefined,
  stored: readonly EpochCopyRow[],
  frame: { epoch: number; creatorId: number; copies: readonly SealedFor[]; page: GroupEpochPage },
): GroupEpochPlan {
  const { epoch, creatorId, copies, page } = frame;
  if (current === undefined) return refuse('refused');
  const members = new Set(page.members);
  if (copies.some((c) => !members.has(c.recipientId))) return refuse('refused');
  if (epoch <= current) {
    // Shared history: an earlier, complete epoch re-sealed to current members who have no copy of it yet.
    const holders = new Set(stored.map((r) => r.recipient_id));
    if (!page.sharesHistory || holders.size === 0 || copies.some((c) => holders.has(c.recipientId))) return refuse('refused');
    return { drop: false, insert: true, bump: false, result: { completed: copies } };
  }
  if (epoch !== current + 1) return refuse('conflict');
  let pending = stored;
  let drop = false;
  const first = pending[0];
  if (first) {
    const overtaken = readGroupEpochKeyHeader(first.sealed)?.chainLength !== page.chainLength;
    // Once stale, its own creator may start it again too (a frame naming a member it already holds).
    const restart = first.creator_id !== creatorId || copies.some((c) => pending.some((r) => r.recipient_id === c.recipientId));
    if (overtaken || (restart && first.created_at < page.staleBefore)) {
      drop = true;
      pending = [];
    } else if (first.creator_id !== creatorId) {
      return refuse('conflict');
    }
  }
  const holders = new Set(pending.map((r) => r.recipient_id));
  if (copies.some((c) => holders.has(c.recipientId))) return refuse('refused');
  if (!page.more && holders.size + copies.length !== members.size) return refuse('refused');
  if (page.more) return { drop, insert: true, bump: false, result: 'pending' };
  return { drop, insert: true, bump: true, result: { completed: [...pending.map(asCopy), ...copies] } };
}

type Insert = (conversationId: number, epoch: number, creatorId: number, copies: readonly SealedFor[], now: number) => void;

/** The SQLite store's frame writer: run inside the caller's `db.transaction` (internal to SqliteKeys). */
export function groupEpochWriter(db: Database.Database, insert: Insert) {
  const stmt = {
    conversation: db.prepare<[number], { epoch: number }>("SELECT epoch FROM conversations WHERE id = ? AND kind = 'group'"),
    copiesOf: db.prepare<[number, number], EpochCopyRow>(
      `SELECT recipient_id, recipient_key_version, creator_id, created_at, sealed FROM epoch_keys
       WHERE conversation_id = ? AND epoch = ? ORDER BY created_at, recipient_id`,
    ),
    dropPending: db.prepare<[number, number]>('DELETE FROM epoch_keys WHERE conversation_id = ? AND epoch = ?'),
    bumpEpoch: db.prepare<[number, number, number]>('UPDATE conversations SET epoch = ? WHERE id = ? AND epoch = ?'),
  };

  return (conversationId: number, epoch: number, creatorId: number, copies: readonly SealedFor[], now: number, page: GroupEpochPage): EpochResult => {
    const current = stmt.conversation.get(conversationId)?.epoch;
    const plan = planGroupEpoch(current, stmt.copiesOf.all(conversationId, epoch), { epoch, creatorId, copies, page });
    if (plan.drop) stmt.dropPending.run(conversationId, epoch);
    if (plan.insert) insert(conversationId, epoch, creatorId, copies, now);
    if (plan.bump && stmt.bumpEpoch.run(epoch, conversationId, current!).changes === 0) return 'conflict';
    return plan.result;
  };
}

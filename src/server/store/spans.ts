// One conversation's messages, read through the span index (statements.ts, SPAN_SHIFT): the spans of ids
// that can hold them are probed in turn, newest first for history and counts, oldest first for sync.
// Seqs have no gaps, so a walk knows how many messages it still has to find and stops once it has them.
import { SPAN_SHIFT, type MessageRow, type Statements } from './statements.js';

/** The span of an id, as SQLite computes `id >> SPAN_SHIFT` (JavaScript's >> would cut ids to 32 bits). */
export const spanOf = (id: number): number => Math.floor(id / 2 ** SPAN_SHIFT);

export class SpanReader {
  constructor(private readonly stmt: Statements) {}

  /** The conversation's newest message (its cursor and seq), or undefined when it has none. */
  newest(conversationId: number): { id: number; seq: number } | undefined {
    for (let span = spanOf(this.stmt.newestId.get()!.id); span >= 0; span--) {
      const row = this.stmt.spanNewest.get(span, conversationId);
      if (row) return row;
    }
    return undefined;
  }

  /** The messages with a seq below `before`, newest first: at most `limit`, from the span of `newestId` down. */
  before(conversationId: number, newestId: number, before: number, limit: number): MessageRow[] {
    const rows: MessageRow[] = [];
    const wanted = Math.min(limit, before - 1);
    for (let span = spanOf(newestId); span >= 0 && rows.length < wanted; span--) {
      for (const row of this.stmt.spanHistory.all(span, conversationId, before, wanted - rows.length)) rows.push(row);
    }
    return rows;
  }

  /** The cursors past `after`, oldest first, at most `limit`; `newestId` is the conversation's newest cursor. */
  idsAfter(conversationId: number, after: number, newestId: number, limit: number): number[] {
    const ids: number[] = [];
    for (let span = spanOf(after + 1); span <= spanOf(newestId) && ids.length < limit; span++) {
      for (const row of this.stmt.spanIdsAfter.all(span, conversationId, after, limit - ids.length)) ids.push(row.id);
    }
    return ids;
  }

  /** How many messages past seq `readSeq` someone other than `userId` sent; `lastSeq` and `newestId` are the conversation's. */
  unread(conversationId: number, userId: number, readSeq: number, lastSeq: number, newestId: number): number {
    let left = lastSeq - readSeq;
    let unread = 0;
    for (let span = spanOf(newestId); span >= 0 && left > 0; span--) {
      const { total, others } = this.stmt.spanCountAfter.get(userId, span, conversationId, readSeq)!;
      left -= total;
      unread += others;
    }
    return unread;
  }
}

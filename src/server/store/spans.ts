// One conversation's messages, read through the span index (statements.ts, SPAN_SHIFT): the spans of ids
// that can hold them are searched a range at a time, newest first for history and counts, oldest first for
// sync. Seqs have no gaps, so a walk knows how many messages it still has to find and stops once it has them.
import { SPAN_SHIFT, type MessageRow, type Statements } from './statements.js';

/** The span of an id, as SQLite computes `id >> SPAN_SHIFT` (JavaScript's >> would cut ids to 32 bits). */
export const spanOf = (id: number): number => Math.floor(id / 2 ** SPAN_SHIFT);

/** Spans searched by one statement: 2^20 ids, so a database of a million messages is one statement. */
export const SPANS_PER_STATEMENT = 64;
/** Spans sync searches in every conversation before it looks whether it has enough (2^17 ids). */
export const SYNC_SPANS = 8;

export class SpanReader {
  constructor(private readonly stmt: Statements) {}

  /** The conversation's newest message (its cursor and seq), or undefined when it has none. */
  newest(conversationId: number): { id: number; seq: number } | undefined {
    for (let hi = spanOf(this.stmt.newestId.get()!.id); hi >= 0; hi -= SPANS_PER_STATEMENT) {
      const row = this.stmt.spanNewest.get(Math.max(0, hi - SPANS_PER_STATEMENT + 1), hi, conversationId);
      if (row) return row;
    }
    return undefined;
  }

  /** The messages with a seq below `before`, newest first: at most `limit`, from the span of `newestId` down. */
  before(conversationId: number, newestId: number, before: number, limit: number): MessageRow[] {
    const rows: MessageRow[] = [];
    const wanted = Math.min(limit, before - 1);
    for (let hi = spanOf(newestId); hi >= 0 && rows.length < wanted; hi -= SPANS_PER_STATEMENT) {
      rows.push(...this.stmt.spanHistory.all(Math.max(0, hi - SPANS_PER_STATEMENT + 1), hi, conversationId, before, wanted - rows.length));
    }
    return rows;
  }

  /** The conversation's cursors past `after` in spans `lo` to `hi`, oldest first, at most `limit`. */
  idsAfter(conversationId: number, after: number, lo: number, hi: number, limit: number): number[] {
    const ids: number[] = [];
    for (; lo <= hi && ids.length < limit; lo += SPANS_PER_STATEMENT) {
      for (const row of this.stmt.spanIdsAfter.all(lo, Math.min(hi, lo + SPANS_PER_STATEMENT - 1), conversationId, after, limit - ids.length)) ids.push(row.id);
    }
    return ids;
  }

  /** How many messages past seq `readSeq` someone other than `userId` sent; `lastSeq` and `newestId` are the conversation's. */
  unread(conversationId: number, userId: number, readSeq: number, lastSeq: number, newestId: number): number {
    let left = lastSeq - readSeq;
    let unread = 0;
    for (let hi = spanOf(newestId); hi >= 0 && left > 0; hi -= SPANS_PER_STATEMENT) {
      const { total, others } = this.stmt.spanCountAfter.get(Math.max(0, hi - SPANS_PER_STATEMENT + 1), hi, userId, conversationId, readSeq)!;
      left -= total;
      unread += others;
    }
    return unread;
  }
}

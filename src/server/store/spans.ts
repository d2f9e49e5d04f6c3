// One conversation's messages, read through the span index (statements.ts, SPAN_SHIFT): the spans of ids
// that can hold them are searched a range at a time, newest first for history and counts, oldest first for
// sync. Seqs have no gaps, so a walk knows how many messages it still has to find and stops once it has them.
import { SPAN_SHIFT, type MessageRow, type Statements } from './statements.js';

/** The span of an id, as SQLite computes `id >> SPAN_SHIFT` (JavaScript's >> would cut ids to 32 bits). */
export const spanOf = (id: number): number => Math.floor(id / 2 ** SPAN_SHIFT);

/** Spans searched by one statement: 2^20 ids, so a database of a million messages is one statement. */
export const SPANS_PER_STATEMENT = 64;
/** Spans sync searches in every conversation before it looks whether it has enough (2^17 ids; one statement each). */
export const SYNC_SPANS = 8;

/** The span ranges one statement each searches, from the range that ends at span `top` down to span 0. */
function* rangesDown(top: number): Generator<[lo: number, hi: number]> {
  for (let hi = top; hi >= 0; hi -= SPANS_PER_STATEMENT) yield [Math.max(0, hi - SPANS_PER_STATEMENT + 1), hi];
}

export class SpanReader {
  constructor(private readonly stmt: Statements) {}

  /** The conversation's newest message (its cursor and seq), or undefined when it has none. */
  newest(conversationId: number): { id: number; seq: number } | undefined {
    for (const [lo, hi] of rangesDown(spanOf(this.stmt.newestId.get()!.id))) {
      const row = this.stmt.spanNewest.get(lo, hi, conversationId);
      if (row) return row;
    }
    return undefined;
  }

  /** The messages with a seq below `before`, newest first: at most `limit`, from the span of `newestId` down. */
  before(conversationId: number, newestId: number, before: number, limit: number): MessageRow[] {
    const rows: MessageRow[] = [];
    const wanted = Math.min(limit, before - 1);
    for (const [lo, hi] of rangesDown(spanOf(newestId))) {
      if (rows.length >= wanted) break;
      rows.push(...this.stmt.spanHistory.all(lo, hi, conversationId, before, wanted - rows.length));
    }
    return rows;
  }

  /** The conversation's cursors past `after` in spans `lo` to `hi` (one sync step), oldest first, at most `limit`. */
  idsAfter(conversationId: number, after: number, lo: number, hi: number, limit: number): number[] {
    return this.stmt.spanIdsAfter.all(lo, hi, conversationId, after, limit).map((row) => row.id);
  }

  /** How many messages past seq `readSeq` someone other than `userId` sent; `lastSeq` and `newestId` are the conversation's. */
  unread(conversationId: number, userId: number, readSeq: number, lastSeq: number, newestId: number): number {
    let left = lastSeq - readSeq;
    let unread = 0;
    for (const [lo, hi] of rangesDown(spanOf(newestId))) {
      if (left <= 0) break;
      const { total, others } = this.stmt.spanCountAfter.get(lo, hi, userId, conversationId, readSeq)!;
      left -= total;
      unread += others;
    }
    return unread;
  }
}

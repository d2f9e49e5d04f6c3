// How a conversation is laid out in rows: its messages and membership lines in order, with day separators and
// the "new messages" divider, and which of them fit the screen. Pure, so the chat screens only draw.
import type { ThreadItem } from '../shared/client/index.js';
import { dayOf, formatClock, rowsFor, statusMark } from './format.js';
import { cleanText } from './safe-text.js';

/** A line of a group's membership in the flow ("alice added carol"), after the message numbered `afterSeq`. */
export interface FlowLine {
  key: string;
  afterSeq: number;
  text: string;
  ts: number;
}

/** What the chat lays out: a message under its separators, or a membership line. */
export type Entry = {
  key: string;
  ts: number;
  startsDay: boolean;
  firstUnread: boolean;
} & ({ kind: 'message'; item: ThreadItem } | { kind: 'line'; text: string });

export const CONTINUED = '↳ ';

/**
 * A message's own line breaks, each continued line marked: the body sits in a column right of the time and
 * name, so neither a line break nor a long line that wraps can start a row that reads as `HH:MM name:`.
 */
const bodyLines = (body: string): string[] => cleanText(body).split('\n').map((line, i) => (i === 0 ? line : `${CONTINUED}${line}`));

export const lineOf = (item: ThreadItem) => {
  const mark = item.mine ? statusMark(item.status, item.error) : '';
  // A message that failed to decrypt or verify shows why, never any text.
  const body = item.failure ? `⚠ ${item.failure.explanation} (${item.failure.reason})` : item.warning ? `${item.body}  ⚠ ${item.warning}` : item.body;
  // The day is on the separator above, so the time alone.
  return { time: formatClock(item.ts), name: cleanText(item.from), lines: bodyLines(body), mark };
};

/** A membership line as drawn: the time, then the sentence in a column of its own. */
export const flowText = (text: string) => `— ${cleanText(text).replace(/\n/g, ' ')}`;

/**
 * The items with their separators: a day's first entry (the oldest loaded one too) and the first message unread
 * since `since`. Membership lines go right after the message their `afterSeq` names; lines older than `floor`
 * (before the oldest loaded message, while older ones are still on the server) wait until that page is loaded.
 */
export function entriesOf(items: readonly ThreadItem[], since: number | null, lines: readonly FlowLine[] = [], floor = 0): Entry[] {
  const firstUnread = since === null ? -1 : items.findIndex((item) => !item.mine && item.seq !== null && item.seq > since);
  type Slot = { order: [number, number, number]; entry: Entry };
  const slots: Slot[] = items.map((item, i) => ({
    // Pending sends (no seq yet) stay last, in the order written.
    order: item.seq === null ? [Infinity, 0, i] : [item.seq, 0, i],
    entry: { kind: 'message', key: item.key, ts: item.ts, item, firstUnread: i === firstUnread, startsDay: false },
  }));
  lines.forEach((line, i) => {
    if (line.afterSeq >= floor) slots.push({ order: [line.afterSeq, 1, i], entry: { kind: 'line', key: line.key, ts: line.ts, text: line.text, firstUnread: false, startsDay: false } });
  });
  slots.sort((a, b) => a.order[0] - b.order[0] || a.order[1] - b.order[1] || a.order[2] - b.order[2]);
  return slots.map(({ entry }, i) => ({ ...entry, startsDay: i === 0 || dayOf(slots[i - 1]!.entry.ts) !== dayOf(entry.ts) }));
}

/** Rows an entry takes: its separators, and a body column as wide as the screen less the time and name in front of it. */
export const rowsOf = (entry: Entry, columns: number) => {
  const separators = (entry.startsDay ? 1 : 0) + (entry.firstUnread ? 1 : 0);
  if (entry.kind === 'line') return rowsFor(flowText(entry.text), Math.max(columns - 6, 8)) + separators;
  const l = lineOf(entry.item);
  const head = `${l.time} ${l.name}: `.length;
  const text = l.lines.join('\n') + (l.mark ? ` ${l.mark}` : '');
  return rowsFor(text, Math.max(columns - head, 8)) + separators;
};

/** The extra row an entry takes on the top row: the top message always shows its day. */
const topRow = (entry: Entry) => (entry.startsDay ? 0 : 1);

/** The slice of entries that fits `budget` rows and ends `fromEnd` entries before the newest. */
export function visibleSlice(entries: readonly Entry[], fromEnd: number, budget: number, columns: number) {
  const end = Math.max(entries.length - fromEnd, 0);
  let start = end;
  let used = 0;
  while (start > 0) {
    const entry = entries[start - 1]!;
    const need = rowsOf(entry, columns);
    if (used + need + topRow(entry) > budget && start < end) break;
    used += need;
    start -= 1;
    if (used + topRow(entry) >= budget) break;
  }
  // Rows of the top message that do not fit: one message taller than the screen shows its end.
  const top = entries[start];
  const over = top ? Math.max(0, used + topRow(top) - budget) : 0;
  return { start, end, over };
}

/** A body without its first lines: `hidden` rows' worth, and one more for the line that says so. */
export function withoutTop(lines: string[], hidden: number): string[] {
  if (hidden <= 0) return lines;
  const cut = Math.min(hidden + 1, lines.length - 1);
  return [`(${cut} line${cut === 1 ? '' : 's'} above)`, ...lines.slice(cut).map((line) => (line.startsWith(CONTINUED) ? line : `${CONTINUED}${line}`))];
}

/** How many entries, from `from` on, fill `budget` rows. */
export function countFitting(entries: readonly Entry[], from: number, budget: number, columns: number): number {
  let used = entries[from] ? topRow(entries[from]) : 0;
  let count = 0;
  for (const entry of entries.slice(from)) {
    used += rowsOf(entry, columns);
    if (used > budget && count > 0) break;
    count += 1;
  }
  return count;
}

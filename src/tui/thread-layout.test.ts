// The flow of a conversation: membership lines slotted after the message they follow, day separators, the unread divider.
import { describe, expect, it } from 'vitest';
import type { ThreadItem } from '../shared/client/index.js';
import { entriesOf, rowsOf, visibleSlice } from './thread-layout.js';

const DAY = Date.UTC(2026, 11, 6, 12, 0);
const item = (seq: number | null, from = 'alice', mine = false): ThreadItem => ({
  key: seq === null ? `pending:${from}` : `1:${seq}`,
  from,
  to: '',
  body: `message ${seq}`,
  ts: DAY + (seq ?? 99) * 1000,
  seq,
  mine,
  status: mine ? (seq === null ? 'sending' : 'sent') : null,
});
const line = (afterSeq: number, text: string) => ({ key: `m:${afterSeq}:${text}`, afterSeq, text, ts: DAY + afterSeq * 1000 + 500 });

describe('thread layout', () => {
  it('puts each membership line after the message it names, pending sends last', () => {
    const entries = entriesOf([item(1), item(2), item(3), item(null, 'me', true)], null, [line(2, 'alice added carol'), line(0, 'alice created the group'), line(3, 'bob left')]);
    expect(entries.map((e) => (e.kind === 'line' ? e.text : e.item.seq))).toEqual(['alice created the group', 1, 2, 'alice added carol', 3, 'bob left', null]);
    expect(entries.filter((e) => e.startsDay).length).toBe(1);
  });

  it('holds back lines older than the oldest loaded page', () => {
    const entries = entriesOf([item(5), item(6)], null, [line(1, 'old change'), line(5, 'new change')], 4);
    expect(entries.map((e) => (e.kind === 'line' ? e.text : e.item.seq))).toEqual([5, 'new change', 6]);
  });

  it('marks the first unread message, never a line', () => {
    const entries = entriesOf([item(1), item(2)], 1, [line(1, 'x')]);
    expect(entries.filter((e) => e.firstUnread).map((e) => e.key)).toEqual(['1:2']);
  });

  it('fits a budget of rows, lines counted too', () => {
    const entries = entriesOf([item(1), item(2), item(3)], null, [line(1, 'a'), line(2, 'b')]);
    expect(entries.map((e) => rowsOf(e, 80))).toEqual([2, 1, 1, 1, 1]);
    const { start, end } = visibleSlice(entries, 0, 3, 80);
    expect([start, end]).toEqual([3, 5]);
  });
});

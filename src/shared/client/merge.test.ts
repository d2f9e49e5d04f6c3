import { describe, expect, it } from 'vitest';
import type { ConversationSummary, Message } from '../protocol.js';
import { applyConversations, applyMessages, applyRead, markReplays, mergeMessages, previewText, selectThread, upsertConversation } from './merge.js';
import { clockSkewWarning } from './e2e.js';
import { newClientMsgId, timeOfClientMsgId } from './ids.js';
import { initialState, type ClientState } from './state.js';

const msg = (seq: number, from = 'bob', conversationId = 1): Message => ({
  cursor: seq,
  conversationId,
  seq,
  from,
  to: from === 'bob' ? 'alice' : 'bob',
  clientMsgId: `c${conversationId}-${seq}`,
  body: `m${seq}`,
  ts: 1000 + seq,
});

const base = (): ClientState => ({
  ...initialState({ bodyMaxLength: 100, passwordMinLength: 8 }),
  session: { username: 'alice', sessionId: 1 },
});

describe('mergeMessages', () => {
  it('sorts by seq and keeps one message per seq', () => {
    const merged = mergeMessages([msg(2), msg(4)], [msg(3), msg(4), msg(1), msg(3)]);
    expect(merged.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
  });

  it('returns the same array when nothing is new, so snapshots stay equal', () => {
    const existing = [msg(1), msg(2)];
    expect(mergeMessages(existing, [msg(2), msg(1)])).toBe(existing);
  });
});

describe('applyMessages', () => {
  it('dedupes by (conversation, seq): a replay changes neither thread nor unread count', () => {
    const first = applyMessages(base(), [msg(1), msg(2)], 'alice');
    expect(first.fresh.map((m) => m.seq)).toEqual([1, 2]);
    expect(first.state.conversations[0]).toMatchObject({ id: 1, peer: 'bob', lastSeq: 2, unread: 2 });
    const replay = applyMessages(first.state, [msg(2), msg(1)], 'alice');
    expect(replay.state).toBe(first.state);
    expect(replay.fresh).toEqual([]);
  });

  it('keeps the same seq in different conversations apart', () => {
    const { state } = applyMessages(base(), [msg(1, 'bob', 1), msg(1, 'carol', 2)], 'alice');
    expect(state.threads[1]?.messages).toHaveLength(1);
    expect(state.threads[2]?.messages).toHaveLength(1);
    expect(state.conversations.map((c) => (c.kind === 'direct' ? c.peer : c.name)).sort()).toEqual(['bob', 'carol']);
  });

  it('does not count own messages as unread and orders conversations newest first', () => {
    let { state } = applyMessages(base(), [msg(1, 'bob', 1)], 'alice');
    state = applyMessages(state, [msg(5, 'alice', 2)], 'alice').state;
    expect(state.conversations.map((c) => [c.id, c.unread])).toEqual([
      [2, 0],
      [1, 1],
    ]);
  });

  it('marks a thread loaded with the history page and keeps older pages’ "more"', () => {
    let { state } = applyMessages(base(), [msg(9), msg(10)], 'alice', {
      history: { conversationId: 1, more: true, latest: true },
    });
    expect(state.threads[1]).toMatchObject({ loaded: true, more: true });
    state = applyMessages(state, [msg(8)], 'alice', { history: { conversationId: 1, more: false, latest: false } }).state;
    expect(state.threads[1]).toMatchObject({ loaded: true, more: false });
    state = applyMessages(state, [msg(10)], 'alice', { history: { conversationId: 1, more: true, latest: true } }).state;
    expect(state.threads[1]?.more).toBe(false);
  });
});

describe('applyRead and selectThread', () => {
  it('drives sent → seen from the peer’s read seq and recounts own unread', () => {
    let { state } = applyMessages(base(), [msg(1), msg(2, 'alice'), msg(3)], 'alice', {
      history: { conversationId: 1, more: false, latest: true },
    });
    expect(state.conversations[0]?.unread).toBe(2);
    state = applyRead(state, 1, 'alice', 1, 'alice');
    expect(state.conversations[0]).toMatchObject({ readSeq: 1, unread: 1 });
    expect(selectThread(state, 1, 'bob').map((i) => i.status)).toEqual([null, 'sent', null]);
    state = applyRead(state, 1, 'bob', 2, 'alice');
    expect(selectThread(state, 1, 'bob').map((i) => i.status)).toEqual([null, 'seen', null]);
    expect(applyRead(state, 1, 'bob', 1, 'alice')).toBe(state);
  });

  it('marks a note to yourself seen once you have read it: you are its reader (issue 14)', () => {
    const note = (seq: number): Message => ({ ...msg(seq, 'alice'), to: 'alice' });
    let { state } = applyMessages(base(), [note(1), note(2)], 'alice', { history: { conversationId: 1, more: false, latest: true } });
    expect(state.conversations[0]).toMatchObject({ peer: 'alice', unread: 0 });
    expect(selectThread(state, 1, 'alice').map((i) => i.status)).toEqual(['sent', 'sent']);
    state = applyRead(state, 1, 'alice', 2, 'alice');
    expect(selectThread(state, 1, 'alice').map((i) => i.status)).toEqual(['seen', 'seen']);
  });

  it('lists pending sends after delivered messages, in the order written', () => {
    const { state } = applyMessages(base(), [msg(1)], 'alice');
    const withOutbox: ClientState = {
      ...state,
      outbox: [
        { clientMsgId: 'a', to: 'bob', body: 'one', createdAt: 1, status: 'sending' },
        { clientMsgId: 'b', to: 'carol', body: 'other', createdAt: 2, status: 'sending' },
        { clientMsgId: 'c', to: 'bob', body: 'two', createdAt: 3, status: 'failed', error: { code: 'USER_NOT_FOUND', message: 'x' } },
      ],
    };
    expect(selectThread(withOutbox, 1, 'bob').map((i) => [i.body, i.status])).toEqual([
      ['m1', null],
      ['one', 'sending'],
      ['two', 'failed'],
    ]);
    expect(selectThread(withOutbox, null, 'carol').map((i) => i.body)).toEqual(['other']);
  });
});

describe('applyConversations and upsertConversation', () => {
  // The server answers a list at one moment; pushes that arrived while the answer travelled are newer.
  const summary = (lastSeq: number, extra: Partial<Extract<ConversationSummary, { kind: 'direct' }>> = {}): ConversationSummary => ({
    id: 1,
    kind: 'direct',
    peer: 'bob',
    lastSeq,
    readSeq: 0,
    peerReadSeq: 0,
    unread: lastSeq,
    lastMessage: lastSeq > 0 ? msg(lastSeq) : null,
    ...extra,
  });

  it('a list answered before a live push does not roll the conversation back', () => {
    const live = applyMessages(base(), [msg(1), msg(2), msg(3)], 'alice').state;
    const after = applyConversations(live, [summary(1)]);
    expect(after.conversations).toEqual([expect.objectContaining({ id: 1, lastSeq: 3, unread: 3, lastMessage: msg(3) })]);
    expect(upsertConversation(live, summary(1)).conversations[0]).toMatchObject({ lastSeq: 3, unread: 3 });
  });

  it('keeps a conversation created by a push after the list was answered, and takes newer server data', () => {
    const live = applyMessages(base(), [msg(1, 'carol', 2)], 'alice').state;
    const after = applyConversations(live, [summary(4, { readSeq: 2, peerReadSeq: 1, unread: 2 })]);
    expect(after.conversations.map((c) => [c.id, c.lastSeq, c.unread])).toEqual([
      [1, 4, 2],
      [2, 1, 1],
    ]);
  });

  it('keeps read positions this client reached that the list does not know yet', () => {
    const live = applyRead(applyMessages(base(), [msg(1), msg(2)], 'alice').state, 1, 'alice', 2, 'alice');
    const withPeerRead = applyRead(live, 1, 'bob', 2, 'alice');
    const after = applyConversations(withPeerRead, [summary(2)]);
    expect(after.conversations[0]).toMatchObject({ readSeq: 2, peerReadSeq: 2, unread: 0 });
  });
});

describe('previewText', () => {
  it('is the text, or a warning for a message that could not be decrypted or verified (never an empty line)', () => {
    expect(previewText(msg(1))).toBe('m1');
    expect(previewText({ ...msg(2), body: '', failure: { reason: 'bad-signature', explanation: 'forged or altered message' } })).toBe('⚠ message cannot be shown');
  });
});

describe('replays and clock skew', () => {
  it('a second message with the same sender and clientMsgId is marked replayed, whichever seq arrived first', () => {
    const original = msg(2);
    const copy = { ...original, seq: 5, cursor: 5 };
    const marked = markReplays(mergeMessages([msg(1), copy], [original, msg(3)]));
    expect(marked.map((m) => [m.seq, m.body, m.failure?.reason])).toEqual([
      [1, 'm1', undefined],
      [2, 'm2', undefined],
      [3, 'm3', undefined],
      [5, '', 'replayed'],
    ]);
    // The same clientMsgId from another sender is not a replay (the envelope binds the sender).
    const fromAlice = { ...msg(6, 'alice'), clientMsgId: original.clientMsgId };
    expect(markReplays([original, fromAlice])[1]).toBe(fromAlice);
    const clean = [msg(1), msg(2)];
    expect(markReplays(clean)).toBe(clean);
  });

  it('applyMessages shows a replayed copy without its text', () => {
    const first = applyMessages(base(), [msg(1)], 'alice').state;
    const { state } = applyMessages(first, [{ ...msg(1), seq: 2, cursor: 2 }], 'alice');
    expect(selectThread(state, 1, 'bob').map((i) => [i.body, i.failure?.reason])).toEqual([
      ['m1', undefined],
      ['', 'replayed'],
    ]);
  });

  it('the time in a clientMsgId is read back, and a large gap to the server time is a warning', () => {
    const now = Date.UTC(2026, 11, 6, 12);
    const id = newClientMsgId(now);
    expect(timeOfClientMsgId(id)).toBe(now);
    expect(timeOfClientMsgId('not*an*id')).toBeUndefined();
    expect(timeOfClientMsgId('abcdefghijk')).toBeUndefined();
    expect(clockSkewWarning(id, now + 60_000)).toBeUndefined();
    expect(clockSkewWarning(id, now + 3 * 86_400_000)).toMatch(/3 days before the time the server gives it/);
    expect(clockSkewWarning(id, now - 2 * 3_600_000)).toMatch(/2 hours after the time the server gives it/);
    expect(clockSkewWarning('m-1', now)).toBeUndefined();
  });
});

// The window title and the bell: the unread count in our own clean words, a ring for each new message.
import { describe, expect, it } from 'vitest';
import type { ClientState, ConversationSummary } from '../shared/client/index.js';
import { initialState } from '../shared/client/state.js';
import { LEAVE_TERMINAL, messageArrived, setTitle, titleFor } from './attention.js';
import { ANY_CONTROL } from './safe-text.js';

describe('title and bell', () => {
  const convo = (id: number, over: Partial<Extract<ConversationSummary, { kind: 'direct' }>> = {}): ConversationSummary => ({
    id,
    kind: 'direct',
    peer: `p${id}`,
    lastSeq: 1,
    readSeq: 1,
    peerReadSeq: 0,
    unread: 0,
    lastMessage: null,
    ...over,
  });
  const base = (over: Partial<ClientState>): ClientState => ({ ...initialState({ bodyMaxLength: 100, passwordMinLength: 8 }), session: { username: 'me' } as ClientState['session'], ...over });

  it('counts unread in the title, with nothing but our own clean words', () => {
    expect(titleFor(base({ conversations: [convo(1, { unread: 2 }), convo(2, { unread: 1 })] }))).toBe('Parley (3 unread)');
    expect(titleFor(base({ conversations: [convo(1)] }))).toBe('Parley');
    expect(setTitle('a\u0007b\u001b]0;x\u0007')).toBe('\u001b]0;ab\u0007');
    expect(LEAVE_TERMINAL).toContain('\u001b[?2004l');
    expect(setTitle('Parley (3 unread)').slice(4, -1)).not.toMatch(ANY_CONTROL);
  });

  it('rings for a new notice or a peer message in the open chat, not for own messages', () => {
    const message = (from: string, seq: number) => ({ conversationId: 1, seq, from, to: 'x', body: '', ts: 0, clientMsgId: 'c' }) as never;
    const open = base({ activeConversationId: 1, conversations: [convo(1)] });
    expect(messageArrived(open, base({ activeConversationId: 1, conversations: [convo(1, { lastSeq: 2, lastMessage: message('p1', 2) })] }))).toBe(true);
    expect(messageArrived(open, base({ activeConversationId: 1, conversations: [convo(1, { lastSeq: 2, lastMessage: message('me', 2) })] }))).toBe(false);
    expect(messageArrived(open, base({ activeConversationId: 1, conversations: [convo(1)], notices: [{ id: 1, conversationId: 2, from: 'p2', ts: 0 }] }))).toBe(true);
    expect(messageArrived(open, open)).toBe(false);
  });

  it('keeps quiet for a muted group on screen, unless the message mentions the user', () => {
    const message = (body: string) => ({ conversationId: 1, seq: 2, from: 'p1', body, ts: 0, clientMsgId: 'c' }) as never;
    const open = base({ activeConversationId: 1, conversations: [convo(1)], muted: { 1: true } });
    const arrived = (body: string) => base({ activeConversationId: 1, conversations: [convo(1, { lastSeq: 2, lastMessage: message(body) })], muted: { 1: true } });
    expect(messageArrived(open, arrived('lunch?'))).toBe(false);
    expect(messageArrived(open, arrived('lunch, @me?'))).toBe(true);
    expect(messageArrived(open, arrived('lunch, @meg?'))).toBe(false);
  });
});

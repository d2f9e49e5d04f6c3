// The menu's rows and the chat's notices for groups: the #name (cleaned), unread, muted and left, and where to go.
import { describe, expect, it } from 'vitest';
import type { ClientState, ConversationSummary } from '../shared/client/index.js';
import { initialState } from '../shared/client/state.js';
import { menuRow } from './menu-rows.js';
import { noticeText } from './notice-text.js';
import { groupNamed } from './open-chat.js';
import { ANY_CONTROL } from './safe-text.js';

const group = (id: number, name: string, over: Partial<Extract<ConversationSummary, { kind: 'group' }>> = {}): ConversationSummary => ({
  id,
  kind: 'group',
  groupId: 'AAAAAAAAAAAAAAAAAAAAAA',
  name,
  memberCount: 3,
  role: 'member',
  lastSeq: 0,
  readSeq: 0,
  unread: 0,
  lastMessage: null,
  chainLength: 1,
  ...over,
});
const base = (over: Partial<ClientState>): ClientState => ({
  ...initialState({ bodyMaxLength: 100, passwordMinLength: 8 }),
  session: { username: 'me', sessionId: 1 },
  ...over,
});

describe('groups in the menu', () => {
  it('marks a group with #, and says unread, muted and left', () => {
    const state = base({ conversations: [group(1, 'Lunch crew', { unread: 2 }), group(2, 'Ops', { role: null })], muted: { 1: true } });
    expect(menuRow(state, state.conversations[0]!, 'me')).toMatchObject({ label: '#Lunch crew', mark: ' ', state: '2 unread, muted' });
    expect(menuRow(state, state.conversations[1]!, 'me')).toMatchObject({ label: '#Ops', state: 'left' });
    // The verified chain outranks the summary: removed there, the server's stale role does not keep the user in.
    const view = { conversationId: 3, groupId: 'g', name: 'Verified', history: 'hidden', members: [], myRole: null, timeline: [] } as const;
    const removed = base({ conversations: [group(3, 'Claimed', { role: 'member' })], groups: { 3: view } });
    expect(menuRow(removed, removed.conversations[0]!, 'me')).toMatchObject({ label: '#Verified', state: 'left' });
  });

  it('never passes a control character or escape sequence of a name on, and cuts a long one', () => {
    const state = base({ conversations: [group(1, 'a\u001b]0;PWNED\u0007b\u001b[31mc\u202ed'.padEnd(80, 'x'))] });
    const row = menuRow(state, state.conversations[0]!, 'me');
    expect(row.label).not.toMatch(ANY_CONTROL);
    expect(row.label).not.toContain('\u202e');
    expect(row.label.startsWith('#abcd')).toBe(true);
    expect(row.label.length).toBeLessThanOrEqual(25);
  });

  it('opens a group by its name or #name, and says where a group message or a mention came from', () => {
    const state = base({ conversations: [group(4, 'Lunch crew')] });
    expect(groupNamed(state, 'Lunch crew')).toEqual({ peer: 'Lunch crew', conversationId: 4, group: true });
    expect(groupNamed(state, '#Lunch crew')?.conversationId).toBe(4);
    expect(groupNamed(state, 'lunch crew')).toBeNull();
    const ts = Date.now();
    expect(noticeText(state, { id: 1, conversationId: 4, from: 'bob', ts })).toMatch(/New message from bob in “Lunch crew” — type !go Lunch crew to read it\.$/);
    expect(noticeText(state, { id: 2, conversationId: 4, from: 'bob', ts, mention: true })).toMatch(/bob mentioned you in “Lunch crew”/);
    expect(noticeText(state, { id: 3, conversationId: 9, from: 'bob', ts })).toMatch(/New message from bob — !back, then type bob to read it\.$/);
  });
});

// The terminal client's "modern chat program" keys and words (issue 14): bracketed paste, new lines in a
// message, Alt+number, input history, Tab completion, `/` commands, day separators, name colours, title and bell.
import { describe, expect, it } from 'vitest';
import { LEAVE_TERMINAL, messageArrived, setTitle, titleFor } from './attention.js';
import { commandNames, parseLine } from './commands.js';
import { complete } from './complete.js';
import { dayLabel } from './format.js';
import { KeyReader, parseKeys } from './keys.js';
import { LineEditor, type LineTarget } from './line-editor.js';
import { ANY_CONTROL } from './safe-text.js';
import { CHAT_COMMANDS } from './screens/chat.js';
import { nameHash } from './theme.js';
import type { ClientState, ConversationSummary } from '../shared/client/index.js';
import { initialState } from '../shared/client/state.js';

const PASTE_START = '\u001b[200~';
const PASTE_END = '\u001b[201~';

/** An editor fed the way App feeds it: each string is one input event from Ink. */
function editor(target: Partial<LineTarget> = {}) {
  const e = new LineEditor();
  const submitted: string[] = [];
  e.target = { active: true, onSubmit: (line) => void submitted.push(line), ...target };
  const reader = new KeyReader();
  const input = (...events: string[]) => events.forEach((event) => reader.read(event).forEach((key) => e.press(key)));
  return { e, submitted, input };
}

describe('bracketed paste', () => {
  it('makes 45 pasted lines one paste, even as Ink splits it into several inputs', () => {
    const lines = Array.from({ length: 45 }, (_, i) => `line ${i + 1}`);
    const reader = new KeyReader();
    const keys = [PASTE_START, lines.slice(0, 20).join('\r'), '\r', '\u001b[31m', lines.slice(20).join('\r'), PASTE_END, 'x'].flatMap((event) => reader.read(event));
    expect(keys).toEqual([{ kind: 'paste', text: lines.join('\n') }, { kind: 'text', text: 'x' }]);
  });

  it('finds an end marker cut in two, and keeps no control character of the paste', () => {
    // Ink holds back an escape sequence until it is whole, so only a marker inside a paste can arrive in parts.
    const reader = new KeyReader();
    const keys = ['a', PASTE_START, 'one\r\ntwo\u0007\u001b]0;t\u0007\u001b[2', '01~'].flatMap((event) => reader.read(event));
    expect(keys).toEqual([{ kind: 'text', text: 'a' }, { kind: 'paste', text: 'one\ntwo' }]);
  });

  it('sends a pasted block in a chat as one message, with its line breaks', () => {
    const { e, submitted, input } = editor({ multiline: true });
    input(PASTE_START, 'first\rsecond\rthird\r', PASTE_END);
    expect(submitted).toEqual([]);
    expect(e.value).toBe('first\nsecond\nthird\n');
    input('\r');
    expect(submitted).toEqual(['first\nsecond\nthird\n']);
  });

  it('pastes one line into a one-line prompt: no trailing line break, spaces for the others', () => {
    const { e, submitted, input } = editor();
    input(PASTE_START, 'pass word\r', PASTE_END);
    expect(e.value).toBe('pass word');
    input(PASTE_START, 'a\rb', PASTE_END);
    expect(e.value).toBe('pass worda b');
    expect(submitted).toEqual([]);
  });
});

describe('new lines, jumps', () => {
  it('Alt+Enter and Ctrl+J add a line in a chat; Ctrl+J is Enter elsewhere', () => {
    expect(parseKeys('\u001b\r')).toEqual([{ kind: 'newline' }]);
    expect(parseKeys('\n')).toEqual([{ kind: 'newline' }]);
    const chat = editor({ multiline: true });
    chat.input('one', '\u001b\r', 'two', '\n', 'three');
    expect(chat.e.value).toBe('one\ntwo\nthree');
    const menu = editor();
    menu.input('bob', '\n');
    expect(menu.submitted).toEqual(['bob']);
  });

  it('reads Alt+1 to Alt+9 as jumps, and no other Alt+digit', () => {
    expect(parseKeys('\u001b1')).toEqual([{ kind: 'jump', n: 1 }]);
    expect(parseKeys('\u001b9')).toEqual([{ kind: 'jump', n: 9 }]);
    expect(parseKeys('\u001b0')).toEqual([]);
  });

  it('moves between the lines of a draft with Up and Down', () => {
    const { e, input } = editor({ multiline: true });
    input('abc', '\n', 'de', '\n', 'fghij');
    input('\u001b[A');
    expect(e.cursor).toBe('abc\nde'.length);
    input('\u001b[A');
    expect(e.cursor).toBe(2);
    input('\u001b[B', '\u001b[B');
    expect(e.cursor).toBe('abc\nde\nfg'.length);
  });
});

describe('input history', () => {
  it('recalls sent lines with Up, newest first, and gives the draft back below them', () => {
    const { e, submitted, input } = editor({ history: 'chat' });
    input('first\r', 'second\r', 'second\r');
    input('\u001b[A');
    expect(e.value).toBe('second');
    input('\u001b[A');
    expect(e.value).toBe('first');
    input('\u001b[A');
    expect(e.value).toBe('first');
    input('\u001b[B', '\u001b[B');
    expect(e.value).toBe('');
    input('a draft', '\u001b[A');
    expect(e.value).toBe('second');
    input('\u001b[B');
    expect(e.value).toBe('a draft');
    input('\u001b[A', '\r');
    expect(submitted).toEqual(['first', 'second', 'second', 'second']);
  });

  it('keeps nothing from a prompt without a history (passwords)', () => {
    const { e, input } = editor();
    input('secret\r', '\u001b[A');
    expect(e.value).toBe('');
  });
});

describe('Tab completion', () => {
  it('completes a unique name with a space, a shared start as far as it goes, and lists the rest', () => {
    expect(complete('!go al', 6, ['alice', 'bob'])).toEqual({ value: '!go alice ', cursor: 10, options: [] });
    expect(complete('ca', 2, ['carol', 'carla'])).toEqual({ value: 'car', cursor: 3, options: [] });
    expect(complete('car', 3, ['carol', 'carla'])).toEqual({ value: 'car', cursor: 3, options: ['carla', 'carol'] });
    expect(complete('', 0, ['alice'])).toEqual({ value: '', cursor: 0, options: [] });
    expect(complete('zz', 2, ['alice'])).toEqual({ value: 'zz', cursor: 2, options: [] });
  });

  it('completes commands of the screen and names at the prompt', () => {
    const hints: string[][] = [];
    const { e, input } = editor({ completions: () => [...commandNames(CHAT_COMMANDS), 'alice'], onCompletions: (o) => void hints.push(o) });
    input('!ve', '\t');
    expect(e.value).toBe('!verify ');
    input('al', '\t');
    expect(e.value).toBe('!verify alice ');
    input('\u0015!', '\t');
    expect(hints.at(-1)).toContain('!go');
  });
});

describe('/ as !', () => {
  it('takes /name as a command and //text as text that starts with /', () => {
    expect(parseLine('/back')).toEqual({ kind: 'command', name: 'back', arg: '' });
    expect(parseLine('/GO alice')).toEqual({ kind: 'command', name: 'go', arg: 'alice' });
    expect(parseLine('//shrug')).toEqual({ kind: 'text', text: '/shrug' });
    expect(parseLine('!back\nand more')).toEqual({ kind: 'text', text: '!back\nand more' });
  });
});

describe('day separators and name colours', () => {
  it('names the day: Today, Yesterday, else weekday and date', () => {
    const now = new Date(2026, 4, 17, 9, 0).getTime();
    expect(dayLabel(new Date(2026, 4, 17, 0, 1).getTime(), now)).toBe('Today');
    expect(dayLabel(new Date(2026, 4, 16, 23, 59).getTime(), now)).toBe('Yesterday');
    expect(dayLabel(new Date(2026, 4, 12, 12, 0).getTime(), now)).toBe('Tuesday 2026-05-12');
  });

  it('gives a name the same colour on every run', () => {
    expect(nameHash('alice')).toBe(nameHash('alice'));
    expect(nameHash('alice')).not.toBe(nameHash('bob'));
  });
});

describe('title and bell', () => {
  const convo = (id: number, over: Partial<ConversationSummary> = {}): ConversationSummary => ({
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
});

// The line editor the keys drive: editing keys that arrive faster than any render, a busy prompt, pastes,
// new lines in a message, the input history, a refused line given back; no input makes it throw.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { testEditor } from '../../test/helpers/line-editor.js';
import { parseKeys } from './keys.js';
import { ANY_CONTROL } from './safe-text.js';

const PASTE_START = '\u001b[200~';
const PASTE_END = '\u001b[201~';

describe('LineEditor', () => {
  it('edits and submits keys that arrive faster than any render', () => {
    const { submitted, type } = testEditor();
    for (const ch of 'helo') type(ch);
    type('\u001b[D');
    type('l');
    type('\r');
    type('a\rbc');
    type('\u007f');
    type('\r');
    type('typed while busy\r');
    expect(submitted).toEqual(['hello', 'a', 'b', 'typed while busy']);
  });

  it('holds Enter while the screen is busy but keeps the typing', () => {
    const { editor, submitted, type } = testEditor({ active: false });
    type('abc');
    type('\r');
    expect(submitted).toEqual([]);
    expect(editor.value).toBe('abc');
    type('\u0015');
    expect(editor.value).toBe('');
  });

  it('Delete deletes forward, Backspace backward, Ctrl-W the word before', () => {
    const { editor, type } = testEditor();
    type('hello big world');
    type('\u001b[H\u001b[3~');
    expect(editor.value).toBe('ello big world');
    type('\u0005\u007f');
    expect(editor.value).toBe('ello big worl');
    type('\u0017');
    expect(editor.value).toBe('ello big ');
    type('\u001b[1;5D\u001b[1;5D');
    expect(editor.cursor).toBe(0);
  });

  it('Ctrl-E Ctrl-U in one read empty the line instead of entering the message', () => {
    const { editor, submitted, type } = testEditor();
    type('draft');
    type('\u0001\u0005\u0015');
    expect(editor.value).toBe('');
    type('x\r');
    expect(submitted).toEqual(['x']);
  });

  it('survives any sequence of bytes, with a cursor always inside the line', () => {
    const bytes = fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a).toString('latin1'));
    const escapes = fc.constantFrom('\u001b', '\u001b[', '\u001b[1;5', '\u001bO', '\u001b[3~', '\u001b[200~', '\u001b]52;c;');
    fc.assert(
      fc.property(fc.array(fc.oneof(bytes, escapes, fc.string()), { maxLength: 30 }), (chunks) => {
        const { editor, type } = testEditor();
        for (const chunk of chunks) type(chunk);
        expect(editor.cursor).toBeGreaterThanOrEqual(0);
        expect(editor.cursor).toBeLessThanOrEqual(editor.value.length);
        expect(editor.value).not.toMatch(ANY_CONTROL);
      }),
    );
  });

  it('gives a refused line back, so a message too long to send is not lost', () => {
    const { editor, type } = testEditor({ onSubmit: (line) => line.length < 5 });
    type('far too long\r');
    expect(editor.value).toBe('far too long');
    type('\u0015ok\r');
    expect(editor.value).toBe('');
  });
});

describe('pasting', () => {
  it('sends a pasted block in a chat as one message, with its line breaks', () => {
    const { editor, submitted, input } = testEditor({ multiline: true });
    input(PASTE_START, 'first\rsecond\rthird\r', PASTE_END);
    expect(submitted).toEqual([]);
    expect(editor.value).toBe('first\nsecond\nthird\n');
    input('\r');
    expect(submitted).toEqual(['first\nsecond\nthird\n']);
  });

  it('pastes one line into a one-line prompt: no trailing line break, spaces for the others', () => {
    const { editor, submitted, input } = testEditor();
    input(PASTE_START, 'pass word\r', PASTE_END);
    expect(editor.value).toBe('pass word');
    input(PASTE_START, 'a\rb', PASTE_END);
    expect(editor.value).toBe('pass worda b');
    expect(submitted).toEqual([]);
  });
});

describe('new lines', () => {
  it('Alt+Enter and Ctrl+J add a line in a chat; Ctrl+J is Enter elsewhere', () => {
    expect(parseKeys('\u001b\r')).toEqual([{ kind: 'newline' }]);
    expect(parseKeys('\n')).toEqual([{ kind: 'newline' }]);
    const chat = testEditor({ multiline: true });
    chat.input('one', '\u001b\r', 'two', '\n', 'three');
    expect(chat.editor.value).toBe('one\ntwo\nthree');
    const menu = testEditor();
    menu.input('bob', '\n');
    expect(menu.submitted).toEqual(['bob']);
  });

  it('moves between the lines of a draft with Up and Down', () => {
    const { editor, input } = testEditor({ multiline: true });
    input('abc', '\n', 'de', '\n', 'fghij');
    input('\u001b[A');
    expect(editor.cursor).toBe('abc\nde'.length);
    input('\u001b[A');
    expect(editor.cursor).toBe(2);
    input('\u001b[B', '\u001b[B');
    expect(editor.cursor).toBe('abc\nde\nfg'.length);
  });
});

describe('input history', () => {
  it('recalls sent lines with Up, newest first, and gives the draft back below them', () => {
    const { editor, submitted, input } = testEditor({ history: 'chat' });
    input('first\r', 'second\r', 'second\r');
    input('\u001b[A');
    expect(editor.value).toBe('second');
    input('\u001b[A');
    expect(editor.value).toBe('first');
    input('\u001b[A');
    expect(editor.value).toBe('first');
    input('\u001b[B', '\u001b[B');
    expect(editor.value).toBe('');
    input('a draft', '\u001b[A');
    expect(editor.value).toBe('second');
    input('\u001b[B');
    expect(editor.value).toBe('a draft');
    input('\u001b[A', '\r');
    expect(submitted).toEqual(['first', 'second', 'second', 'second']);
  });

  it('keeps nothing from a prompt without a history (passwords)', () => {
    const { editor, input } = testEditor();
    input('secret\r', '\u001b[A');
    expect(editor.value).toBe('');
  });
});

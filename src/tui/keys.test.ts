// The terminal client's own key parser and the line editor it drives: control keys that arrive in one read
// act as keys, unknown sequences are ignored, and no input at all can make either throw.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseKeys } from './keys.js';
import { LineEditor } from './line-editor.js';
import { ANY_CONTROL } from './safe-text.js';

const editorWith = (value: string) => {
  const editor = new LineEditor();
  const submitted: string[] = [];
  editor.target = { active: true, onSubmit: (line) => void submitted.push(line) };
  const type = (input: string) => parseKeys(input).forEach((key) => editor.press(key));
  type(value);
  return { editor, submitted, type };
};

describe('parseKeys', () => {
  it('reads control keys typed in one read as keys, not text', () => {
    expect(parseKeys('ab\u007f\u007f\u007f\u007f\u007f')).toEqual([{ kind: 'text', text: 'ab' }, ...Array(5).fill({ kind: 'backspace' })]);
    expect(parseKeys('\u0005\u0015')).toEqual([
      { kind: 'ctrl', letter: 'e' },
      { kind: 'ctrl', letter: 'u' },
    ]);
    expect(parseKeys('hi\r\nthere\r')).toEqual([{ kind: 'text', text: 'hi' }, { kind: 'enter' }, { kind: 'text', text: 'there' }, { kind: 'enter' }]);
  });

  it('names the editing sequences and ignores every other one', () => {
    expect(parseKeys('\u001b[3~')).toEqual([{ kind: 'delete' }]);
    expect(parseKeys('\u001b[1;5D')).toEqual([{ kind: 'wordLeft' }]);
    expect(parseKeys('\u001b[5~')).toEqual([{ kind: 'pageUp' }]);
    // Ctrl+F1 to F4, Ctrl+keypad 5, a colour code inside a paste: nothing.
    for (const seq of ['\u001b[1;5P', '\u001b[1;5Q', '\u001b[1;5R', '\u001b[1;5S', '\u001b[1;5G', '\u001b[31m', '\u001b]0;title\u0007']) {
      expect(parseKeys(seq)).toEqual([]);
    }
  });

  it('never lets a control character into the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.integer({ min: 0, max: 0x1_0000 }).map((c) => String.fromCodePoint(Math.min(c, 0xffff))) }), (input) => {
        for (const key of parseKeys(input)) if (key.kind === 'text') expect(key.text).not.toMatch(ANY_CONTROL);
      }),
    );
  });
});

describe('LineEditor with parsed keys', () => {
  it('Delete deletes forward, Backspace backward, Ctrl-W the word before', () => {
    const { editor, type } = editorWith('hello big world');
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
    const { editor, submitted, type } = editorWith('draft');
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
        const { editor, type } = editorWith('');
        for (const chunk of chunks) type(chunk);
        expect(editor.cursor).toBeGreaterThanOrEqual(0);
        expect(editor.cursor).toBeLessThanOrEqual(editor.value.length);
        expect(editor.value).not.toMatch(ANY_CONTROL);
      }),
    );
  });
});

describe('LineEditor and a refused line', () => {
  it('gives a refused line back, so a message too long to send is not lost', () => {
    const editor = new LineEditor();
    editor.target = { active: true, onSubmit: (line) => line.length < 5 };
    parseKeys('far too long\r').forEach((key) => editor.press(key));
    expect(editor.value).toBe('far too long');
    parseKeys('\u0015ok\r').forEach((key) => editor.press(key));
    expect(editor.value).toBe('');
  });
});

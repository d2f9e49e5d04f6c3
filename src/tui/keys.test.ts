// The terminal client's own key parser: control keys that arrive in one read act as keys, unknown sequences
// are ignored, no input can put a control character into the text, and a bracketed paste is one key.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyReader, parseKeys } from './keys.js';
import { ANY_CONTROL } from './safe-text.js';

const PASTE_START = '\u001b[200~';
const PASTE_END = '\u001b[201~';

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

  it('reads Alt+1 to Alt+9 as jumps, and no other Alt+digit', () => {
    expect(parseKeys('\u001b1')).toEqual([{ kind: 'jump', n: 1 }]);
    expect(parseKeys('\u001b9')).toEqual([{ kind: 'jump', n: 9 }]);
    expect(parseKeys('\u001b0')).toEqual([]);
  });
});

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
});

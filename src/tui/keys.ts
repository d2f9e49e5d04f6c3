// The terminal's bytes as keys. Ink splits what stdin delivers into escape sequences and runs of plain
// text; this turns each of those into keys. Ink's own key parser is not used: it threw on sequences it
// does not name (Ctrl+F1, a pasted colour code) and reported control keys typed in one read (five
// Backspaces, Ctrl-E Ctrl-U) as text. Here every input gives a list of keys, possibly empty, and never throws.

export type KeyPress =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'ctrl'; readonly letter: string }
  | {
      readonly kind:
        | 'enter'
        | 'backspace'
        | 'delete'
        | 'tab'
        | 'escape'
        | 'left'
        | 'right'
        | 'up'
        | 'down'
        | 'home'
        | 'end'
        | 'pageUp'
        | 'pageDown'
        | 'wordLeft'
        | 'wordRight'
        | 'deleteWordBack';
    };

type Named = Exclude<KeyPress, { kind: 'text' } | { kind: 'ctrl' }>['kind'];

const ESC = '\u001b';

/** The escape sequences that mean something to a line editor; every other one is ignored. */
const SEQUENCES: Readonly<Record<string, Named>> = {
  '[A': 'up',
  '[B': 'down',
  '[C': 'right',
  '[D': 'left',
  OA: 'up',
  OB: 'down',
  OC: 'right',
  OD: 'left',
  '[H': 'home',
  '[F': 'end',
  OH: 'home',
  OF: 'end',
  '[1~': 'home',
  '[7~': 'home',
  '[4~': 'end',
  '[8~': 'end',
  '[3~': 'delete',
  '[5~': 'pageUp',
  '[6~': 'pageDown',
  // Ctrl or Alt with an arrow (xterm's modifier parameter 5 or 3), and Alt-b / Alt-f as in readline.
  '[1;5C': 'wordRight',
  '[1;5D': 'wordLeft',
  '[1;3C': 'wordRight',
  '[1;3D': 'wordLeft',
  b: 'wordLeft',
  f: 'wordRight',
  '\u007f': 'deleteWordBack',
  '\b': 'deleteWordBack',
};

/**
 * The keys in what the terminal sent: Ink hands over one escape sequence or one run of text at a time, but
 * anything is accepted (several sequences, a sequence cut short), so no split can make a key text.
 */
export function parseKeys(input: string): KeyPress[] {
  const keys: KeyPress[] = [];
  let text = '';
  const flush = () => {
    if (text) keys.push({ kind: 'text', text });
    text = '';
  };
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]!;
    const code = ch.charCodeAt(0);
    if (code >= 0x20 && code !== 0x7f && !(code >= 0x80 && code <= 0x9f)) {
      text += ch;
      continue;
    }
    flush();
    if (ch === ESC) {
      const end = sequenceEnd(input, i);
      const body = input.slice(i + 1, end);
      if (body === '') keys.push({ kind: 'escape' });
      const named = SEQUENCES[body];
      if (named) keys.push({ kind: named });
      i = end - 1;
    } else if (ch === '\r' || ch === '\n') {
      keys.push({ kind: 'enter' });
      if (ch === '\r' && input[i + 1] === '\n') i++;
    } else if (ch === '\u007f' || ch === '\b') keys.push({ kind: 'backspace' });
    else if (ch === '\t') keys.push({ kind: 'tab' });
    else if (code >= 0x01 && code <= 0x1a) keys.push({ kind: 'ctrl', letter: String.fromCharCode(code + 0x60) });
    // NUL, the other C0 controls and C1 controls are no key a line editor knows.
  }
  flush();
  return keys;
}

/** Where the escape sequence that starts at `start` ends (exclusive): CSI, SS3, OSC or string, or ESC and one character. */
function sequenceEnd(input: string, start: number): number {
  const kind = input[start + 1];
  if (kind === undefined || kind === ESC) return start + 1;
  if (kind === '[') {
    let i = start + 2;
    // Parameter and intermediate bytes, then one final byte (ESC[[A, a Linux console F1, has a second '[').
    if (input[i] === '[') i++;
    while (i < input.length && input.charCodeAt(i) >= 0x20 && input.charCodeAt(i) <= 0x3f) i++;
    return Math.min(i + 1, input.length);
  }
  if (kind === 'O') return Math.min(start + 3, input.length);
  if (kind === ']' || kind === 'P' || kind === '_' || kind === '^') {
    // OSC, DCS, APC, PM: up to BEL or ESC \.
    for (let i = start + 2; i < input.length; i++) {
      if (input[i] === '\u0007') return i + 1;
      if (input[i] === ESC) return input[i + 1] === '\\' ? i + 2 : i;
    }
    return input.length;
  }
  return start + 2;
}

// The terminal's bytes as keys. Ink splits what stdin delivers into escape sequences and runs of plain
// text; this turns each of those into keys. Ink's own key parser is not used: it threw on sequences it
// does not name (Ctrl+F1, a pasted colour code) and reported control keys typed in one read (five
// Backspaces, Ctrl-E Ctrl-U) as text. Here every input gives a list of keys, possibly empty, and never throws.
import { cleanText } from './safe-text.js';

export type KeyPress =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'ctrl'; readonly letter: string }
  /** A whole bracketed paste, cleaned (line breaks kept as \n): one key, so its lines never act as Enter. */
  | { readonly kind: 'paste'; readonly text: string }
  /** Alt+1 to Alt+9: the Nth conversation of the menu. */
  | { readonly kind: 'jump'; readonly n: number }
  | {
      readonly kind:
        | 'enter'
        | 'newline'
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

type Named = Exclude<KeyPress, { kind: 'text' | 'ctrl' | 'paste' | 'jump' }>['kind'];

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
  // Alt+Enter: a line break inside the message.
  '\r': 'newline',
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
      else if (/^[1-9]$/.test(body)) keys.push({ kind: 'jump', n: Number(body) });
      i = end - 1;
    } else if (ch === '\r') {
      // Enter sends a carriage return in raw mode; one that comes with a line feed is still one Enter.
      keys.push({ kind: 'enter' });
      if (input[i + 1] === '\n') i++;
    } else if (ch === '\n') keys.push({ kind: 'newline' }); // Ctrl+J
 else if (ch === '\u007f' || ch === '\b') keys.push({ kind: 'backspace' });
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

const PASTE_START = `${ESC}[200~`;
const PASTE_END = `${ESC}[201~`;
/** A paste larger than this keeps only its start: far more than one message may hold, and memory stays bounded. */
const MAX_PASTE = 1_000_000;

/**
 * parseKeys with bracketed paste (the app turns it on with ESC[?2004h): the terminal wraps pasted text in
 * ESC[200~ … ESC[201~, and everything between, line breaks included, becomes one paste key instead of
 * keys (45 pasted lines would otherwise be 45 Enters). Ink delivers a paste in several inputs (the markers
 * and any escape sequence inside are inputs of their own), so the reader keeps state between calls.
 */
export class KeyReader {
  /** The paste so far, while between the markers. */
  #paste: string | null = null;

  read(input: string): KeyPress[] {
    const keys: KeyPress[] = [];
    let rest = input;
    while (rest !== '') {
      if (this.#paste === null) {
        const start = rest.indexOf(PASTE_START);
        if (start === -1) return [...keys, ...parseKeys(rest)];
        keys.push(...parseKeys(rest.slice(0, start)));
        this.#paste = '';
        rest = rest.slice(start + PASTE_START.length);
        continue;
      }
      // Searched in what came before too, in case a marker arrives cut in two.
      const buffered = this.#paste + rest;
      const end = buffered.indexOf(PASTE_END);
      if (end === -1) {
        this.#paste = buffered.length > MAX_PASTE ? buffered.slice(0, MAX_PASTE) + buffered.slice(-PASTE_END.length) : buffered;
        return keys;
      }
      keys.push({ kind: 'paste', text: pastedText(buffered.slice(0, end)) });
      this.#paste = null;
      rest = buffered.slice(end + PASTE_END.length);
    }
    return keys;
  }
}

/** Pasted text as it may enter the line: line breaks of any kind as \n, and no escape or control character. */
const pastedText = (raw: string): string => cleanText(raw.replace(/\r\n?/g, '\n'));

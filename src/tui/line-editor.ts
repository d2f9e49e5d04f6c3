// The one input line of the app: its text lives here, outside React, so no keystroke waits for a render.
import { complete } from './complete.js';
import type { KeyPress } from './keys.js';

export interface LineTarget {
  /** While false, typing still works but Enter is held back (a request is in flight). */
  active: boolean;
  /** Returning false gives the line back to the editor (it was refused). */
  onSubmit(line: string): void | boolean;
  onChange?(line: string): void;
  /** PageUp and PageDown, for screens that scroll. */
  onPage?(direction: 'up' | 'down'): void;
  /** Alt+Enter, Ctrl+J and pastes put line breaks in the line; otherwise Ctrl+J is Enter and a paste is one line. */
  multiline?: boolean;
  /** Lines submitted here are kept, per session, under this name and recalled with Up and Down (never set it on a secret). */
  history?: string;
  /** The words Tab completes to (commands, usernames). */
  completions?(): readonly string[];
  /** What Tab could complete to, when it was more than one. */
  onCompletions?(options: string[]): void;
}

/** Where Up and Down are in a history: `index` equal to its length is the draft being written. */
interface Recall {
  target: LineTarget;
  index: number;
  draft: string;
}

/**
 * App feeds every key here from a single input subscription that never remounts; the visible Prompt of the
 * current screen registers itself as the target. Keys that arrive while screens change therefore land in
 * the same line instead of in a component that is not subscribed yet (an input component that keeps the
 * text in React state loses or mis-submits keys that arrive within one render).
 */
export class LineEditor {
  value = '';
  cursor = 0;
  target: LineTarget | null = null;
  #version = 0;
  /** Submitted lines, oldest first, per history name; kept as long as the app runs, like a shell's. */
  readonly #history = new Map<string, string[]>();
  #recall: Recall | null = null;
  readonly #listeners = new Set<() => void>();

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  };

  getVersion = (): number => this.#version;

  #set(value: string, cursor: number): void {
    const changed = value !== this.value;
    this.value = value;
    this.cursor = Math.max(0, Math.min(cursor, value.length));
    this.#version += 1;
    for (const listener of [...this.#listeners]) listener();
    if (changed) this.target?.onChange?.(value);
  }

  /** Applies one key (src/tui/keys.ts). */
  press(key: KeyPress): void {
    const { value, cursor } = this;
    switch (key.kind) {
      case 'enter':
        if (!this.target?.active) return;
        this.#remember(value);
        this.#set('', 0);
        // A screen that refuses the line (too long to send) gets it back, unless typing already began anew.
        if (this.target.onSubmit(value) === false && this.value === '') this.#set(value, value.length);
        return;
      case 'text':
        return this.#insert(key.text);
      case 'paste':
        return this.#insert(this.target?.multiline ? key.text : oneLine(key.text));
      case 'newline':
        return this.target?.multiline ? this.#insert('\n') : this.press({ kind: 'enter' });
      case 'backspace':
        return this.#set(value.slice(0, Math.max(cursor - 1, 0)) + value.slice(cursor), cursor - 1);
      case 'delete':
        return this.#set(value.slice(0, cursor) + value.slice(cursor + 1), cursor);
      case 'left':
        return this.#set(value, cursor - 1);
      case 'right':
        return this.#set(value, cursor + 1);
      case 'home':
        return this.#set(value, 0);
      case 'end':
        return this.#set(value, value.length);
      case 'wordLeft':
        return this.#set(value, wordStartBefore(value, cursor));
      case 'wordRight':
        return this.#set(value, wordEndAfter(value, cursor));
      case 'deleteWordBack': {
        const start = wordStartBefore(value, cursor);
        return this.#set(value.slice(0, start) + value.slice(cursor), start);
      }
      case 'pageUp':
      case 'pageDown':
        return this.target?.onPage?.(key.kind === 'pageUp' ? 'up' : 'down');
      case 'ctrl':
        return this.#ctrl(key.letter);
      case 'up':
      case 'down':
        return this.#vertical(key.kind);
      case 'tab':
        return this.#complete();
      case 'escape':
      case 'jump':
        // Not the line's: App handles jumps.
        return;
    }
  }

  #insert(text: string): void {
    const { value, cursor } = this;
    this.#set(value.slice(0, cursor) + text + value.slice(cursor), cursor + text.length);
  }

  /** Up and Down move between the lines of a multi-line draft, and past its first or last line through the history. */
  #vertical(direction: 'up' | 'down'): void {
    const { value, cursor } = this;
    const lineStart = value.lastIndexOf('\n', cursor - 1) + 1;
    const column = cursor - lineStart;
    if (direction === 'up' && lineStart > 0) {
      const previousStart = value.lastIndexOf('\n', lineStart - 2) + 1;
      return this.#set(value, Math.min(previousStart + column, lineStart - 1));
    }
    const lineEnd = value.indexOf('\n', cursor);
    if (direction === 'down' && lineEnd !== -1) {
      const nextEnd = value.indexOf('\n', lineEnd + 1);
      return this.#set(value, Math.min(lineEnd + 1 + column, nextEnd === -1 ? value.length : nextEnd));
    }
    this.#browse(direction === 'up' ? -1 : 1);
  }

  /** One step through the history; the draft is kept aside and comes back below the newest line. */
  #browse(step: -1 | 1): void {
    const target = this.target;
    const lines = target?.history ? this.#history.get(target.history) ?? [] : [];
    if (!target || lines.length === 0) return;
    if (this.#recall?.target !== target) this.#recall = { target, index: lines.length, draft: this.value };
    const recall = this.#recall;
    const index = Math.max(0, Math.min(recall.index + step, lines.length));
    if (index === recall.index) return;
    if (recall.index === lines.length) recall.draft = this.value;
    recall.index = index;
    const line = index === lines.length ? recall.draft : lines[index]!;
    this.#set(line, line.length);
  }

  #remember(line: string): void {
    this.#recall = null;
    const name = this.target?.history;
    if (!name || line.trim() === '') return;
    const lines = this.#history.get(name) ?? [];
    if (lines.at(-1) !== line) lines.push(line);
    if (lines.length > MAX_HISTORY) lines.shift();
    this.#history.set(name, lines);
  }

  #complete(): void {
    const candidates = this.target?.completions?.();
    if (!candidates) return;
    const result = complete(this.value, this.cursor, candidates);
    if (result.options.length > 0) this.target?.onCompletions?.(result.options);
    else this.#set(result.value, result.cursor);
  }

  /** readline's line keys: Ctrl-A/E start and end, Ctrl-U/K cut before and after the cursor, Ctrl-W the word before. */
  #ctrl(letter: string): void {
    const { value, cursor } = this;
    if (letter === 'a') this.#set(value, 0);
    else if (letter === 'e') this.#set(value, value.length);
    else if (letter === 'u') this.#set(value.slice(cursor), 0);
    else if (letter === 'k') this.#set(value.slice(0, cursor), cursor);
    else if (letter === 'w') this.press({ kind: 'deleteWordBack' });
    else if (letter === 'b') this.#set(value, cursor - 1);
    else if (letter === 'f') this.#set(value, cursor + 1);
    else if (letter === 'd') this.press({ kind: 'delete' });
  }
}

/** Lines kept per history, as bash's default HISTSIZE. */
const MAX_HISTORY = 500;

/** A paste into a one-line prompt: no line break at its end (a copied password), spaces for those inside. */
const oneLine = (text: string): string => text.replace(/\n+$/, '').replace(/\n/g, ' ');

/** Where the word before `cursor` starts (spaces before it are skipped first). */
function wordStartBefore(value: string, cursor: number): number {
  let i = cursor;
  while (i > 0 && value[i - 1] === ' ') i--;
  while (i > 0 && value[i - 1] !== ' ') i--;
  return i;
}

/** Where the word after `cursor` ends. */
function wordEndAfter(value: string, cursor: number): number {
  let i = cursor;
  while (i < value.length && value[i] === ' ') i++;
  while (i < value.length && value[i] !== ' ') i++;
  return i;
}

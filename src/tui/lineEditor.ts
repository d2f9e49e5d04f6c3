// The one input line of the app: its text lives here, outside React, so no keystroke waits for a render.
import type { KeyPress } from './keys.js';

export interface LineTarget {
  /** While false, typing still works but Enter is held back (a request is in flight). */
  active: boolean;
  /** Returning false gives the line back to the editor (it was refused). */
  onSubmit(line: string): void | boolean;
  onChange?(line: string): void;
  /** PageUp and PageDown, for screens that scroll. */
  onPage?(direction: 'up' | 'down'): void;
}

/**
 * App feeds every key here from a single input subscription that never remounts; the visible Prompt of the
 * current screen registers itself as the target. Keys that arrive while screens change therefore land in
 * the same line instead of in a component that is not subscribed yet (ink-text-input keeps the text in
 * React state and loses or mis-submits keys that arrive within one render).
 */
export class LineEditor {
  value = '';
  cursor = 0;
  target: LineTarget | null = null;
  #version = 0;
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
        this.#set('', 0);
        // A screen that refuses the line (too long to send) gets it back, unless typing already began anew.
        if (this.target.onSubmit(value) === false && this.value === '') this.#set(value, value.length);
        return;
      case 'text':
        return this.#set(value.slice(0, cursor) + key.text + value.slice(cursor), cursor + key.text.length);
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
      case 'tab':
      case 'escape':
      case 'up':
      case 'down':
        // Nothing to do in a one-line editor.
        return;
    }
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

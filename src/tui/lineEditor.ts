// The one input line of the app: its text lives here, outside React, so no keystroke waits for a render.
import type { Key } from 'ink';

export interface LineTarget {
  /** While false, typing still works but Enter is held back (a request is in flight). */
  active: boolean;
  onSubmit(line: string): void;
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

  /** Applies one key as Ink reports it. */
  key(input: string, key: Key): void {
    const { value, cursor } = this;
    if (key.return) {
      if (!this.target?.active) return;
      this.#set('', 0);
      this.target.onSubmit(value);
      return;
    }
    if (key.backspace || key.delete) {
      if (cursor > 0) this.#set(value.slice(0, cursor - 1) + value.slice(cursor), cursor - 1);
      return;
    }
    if (key.leftArrow) return this.#set(value, cursor - 1);
    if (key.rightArrow) return this.#set(value, cursor + 1);
    if (key.home) return this.#set(value, 0);
    if (key.end) return this.#set(value, value.length);
    if (key.ctrl) {
      if (input === 'a') this.#set(value, 0);
      else if (input === 'e') this.#set(value, value.length);
      else if (input === 'u') this.#set(value.slice(cursor), 0);
      else if (input === 'k') this.#set(value.slice(0, cursor), cursor);
      return;
    }
    if (key.pageUp || key.pageDown) return this.target?.onPage?.(key.pageUp ? 'up' : 'down');
    if (key.meta || key.tab || key.escape || key.upArrow || key.downArrow) return;
    // Keys typed while the app was busy arrive as one chunk ("hello\r"): each line break is an Enter,
    // so a pasted block of lines becomes one message per line, as in other terminal chat programs.
    const lines = input.split(/\r\n|\r|\n/);
    lines.forEach((text, index) => {
      if (index > 0) this.key('', { ...key, return: true });
      if (text) this.#set(this.value.slice(0, this.cursor) + text + this.value.slice(this.cursor), this.cursor + text.length);
    });
  }
}

// The terminal client's line editor at a prompt, fed keys the way the app feeds it, for the editing tests.
import { KeyReader, parseKeys } from '../../src/tui/keys.js';
import { LineEditor, type LineTarget } from '../../src/tui/line-editor.js';

/**
 * A LineEditor whose prompt (active unless `target` says otherwise) records every line submitted.
 * `input(...events)` hands it input events as Ink does, through one KeyReader, so a bracketed paste may
 * span events; `type(text)` parses each call on its own, as parseKeys does.
 */
export function testEditor(target: Partial<LineTarget> = {}) {
  const editor = new LineEditor();
  const submitted: string[] = [];
  editor.target = { active: true, onSubmit: (line) => void submitted.push(line), ...target };
  const reader = new KeyReader();
  const press = (keys: ReturnType<typeof parseKeys>) => keys.forEach((key) => editor.press(key));
  const input = (...events: string[]) => events.forEach((event) => press(reader.read(event)));
  const type = (text: string) => press(parseKeys(text));
  return { editor, submitted, input, type };
}

// The input line at the bottom of every screen: plain text with a cursor, or a secret that shows nothing.
import { Box } from 'ink';
import { Text } from './text.js';
import { createContext, useContext, useLayoutEffect, useRef, useSyncExternalStore } from 'react';
import { LineEditor, type LineTarget } from '../line-editor.js';

export const LineEditorContext = createContext<LineEditor>(new LineEditor());

type Props = Omit<LineTarget, 'active'> & {
  label?: string;
  secret?: boolean;
  active?: boolean;
};

/** At most this many rows of a multi-line draft are drawn; the rest scrolls with the cursor. */
const MAX_DRAFT_ROWS = 6;

/** Rows the prompt takes for this draft (one per line, up to MAX_DRAFT_ROWS). */
export const promptRows = (value: string): number => Math.min(value.split('\n').length, MAX_DRAFT_ROWS);

export function Prompt({ label = '>', secret = false, active = true, ...handlers }: Props) {
  const editor = useContext(LineEditorContext);
  useSyncExternalStore(editor.subscribe, editor.getVersion);
  const target = useRef<LineTarget>({ active, ...handlers });
  // Updated in place: the editor holds this object, and a new one would reset Up/Down's place in the history.
  Object.assign(target.current, { active, ...handlers });
  // A layout effect runs in the same tick as the commit, before any further key can arrive.
  useLayoutEffect(() => {
    const mine = target.current;
    editor.target = mine;
    return () => {
      if (editor.target === mine) editor.target = null;
    };
  }, [editor]);

  const { value, cursor } = editor;
  if (secret) {
    return (
      <Box>
        <Text>{label} </Text>
        <Text dimColor>(hidden as you type)</Text>
      </Box>
    );
  }
  const lines = draftLines(value, cursor);
  return (
    <Box flexDirection="column">
      {lines.map((line, i) => (
        <Box key={i}>
          {/* The label on the first row; later rows are indented under the text. */}
          <Text>{i === 0 ? `${label} ` : ' '.repeat(label.length + 1)}</Text>
          {line.cursorAt === null ? (
            <Text wrap="truncate-end">{line.text}</Text>
          ) : (
            <Text wrap="truncate-start">
              {line.text.slice(0, line.cursorAt)}
              <Text inverse={active}>{line.text[line.cursorAt] ?? ' '}</Text>
              {line.text.slice(line.cursorAt + 1)}
            </Text>
          )}
        </Box>
      ))}
    </Box>
  );
}

/** The rows of the draft to draw: a window of its lines around the cursor's, a hidden part counted on the edge row. */
function draftLines(value: string, cursor: number): { text: string; cursorAt: number | null }[] {
  const all = value.split('\n');
  let start = 0;
  const cursorLine = value.slice(0, cursor).split('\n').length - 1;
  const column = cursor - (value.lastIndexOf('\n', cursor - 1) + 1);
  if (all.length > MAX_DRAFT_ROWS) start = Math.min(Math.max(cursorLine - MAX_DRAFT_ROWS + 1, 0), all.length - MAX_DRAFT_ROWS);
  const end = Math.min(start + MAX_DRAFT_ROWS, all.length);
  return all.slice(start, end).map((text, i) => {
    const n = start + i;
    if (n === cursorLine) return { text, cursorAt: column };
    if (i === 0 && start > 0) return { text: `(${start} more line${start === 1 ? '' : 's'} above)`, cursorAt: null };
    if (n === end - 1 && end < all.length) return { text: `(${all.length - n} more line${all.length - n === 1 ? '' : 's'} below)`, cursorAt: null };
    return { text, cursorAt: null };
  });
}

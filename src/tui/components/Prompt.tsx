// The input line at the bottom of every screen: plain text with a cursor, or a secret that shows nothing.
import { Box } from 'ink';
import { Text } from './Text.js';
import { createContext, useContext, useLayoutEffect, useRef, useSyncExternalStore } from 'react';
import { LineEditor, type LineTarget } from '../lineEditor.js';

export const LineEditorContext = createContext<LineEditor>(new LineEditor());

interface Props {
  label?: string;
  secret?: boolean;
  active?: boolean;
  onSubmit(line: string): void | boolean;
  onChange?(line: string): void;
  onPage?(direction: 'up' | 'down'): void;
}

export function Prompt({ label = '>', secret = false, active = true, onSubmit, onChange, onPage }: Props) {
  const editor = useContext(LineEditorContext);
  useSyncExternalStore(editor.subscribe, editor.getVersion);
  const target = useRef<LineTarget>({ active, onSubmit, onChange, onPage });
  target.current.active = active;
  target.current.onSubmit = onSubmit;
  target.current.onChange = onChange;
  target.current.onPage = onPage;
  // A layout effect runs in the same tick as the commit, before any further key can arrive.
  useLayoutEffect(() => {
    const mine = target.current;
    editor.target = mine;
    return () => {
      if (editor.target === mine) editor.target = null;
    };
  }, [editor]);

  const { value, cursor } = editor;
  return (
    <Box>
      <Text>{label} </Text>
      {secret ? (
        <Text dimColor>(hidden as you type)</Text>
      ) : (
        <Text wrap="truncate-start">
          {value.slice(0, cursor)}
          <Text inverse={active}>{value[cursor] ?? ' '}</Text>
          {value.slice(cursor + 1)}
        </Text>
      )}
    </Box>
  );
}

// A screen's command line: each submitted line goes through the screen's command table, and the help a
// !help asked for stays on the screen until the next line.
import { useState } from 'react';
import { dispatch, helpLines, type Actions, type CommandTable, type Row } from './commands.js';

export function useCommands<Rows extends readonly Row[], Back extends string | null>(
  table: CommandTable<Rows, Back>,
  actions: Actions<Rows, Back>,
): { submit(line: string): boolean | void; help: string[] } {
  const [shown, setShown] = useState(false);
  const submit = (line: string) => {
    setShown(false);
    return dispatch(line, table, actions, () => setShown(true));
  };
  return { submit, help: shown ? helpLines(table) : [] };
}

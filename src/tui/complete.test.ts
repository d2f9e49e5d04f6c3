// Tab completion at the prompt: a word completed from the names and commands the screen knows.
import { describe, expect, it } from 'vitest';
import { testEditor } from '../../test/helpers/line-editor.js';
import { commandNames } from './commands.js';
import { complete } from './complete.js';
import { CHAT_COMMANDS } from './screens/chat.js';

describe('Tab completion', () => {
  it('completes a unique name with a space, a shared start as far as it goes, and lists the rest', () => {
    expect(complete('!go al', 6, ['alice', 'bob'])).toEqual({ value: '!go alice ', cursor: 10, options: [] });
    expect(complete('ca', 2, ['carol', 'carla'])).toEqual({ value: 'car', cursor: 3, options: [] });
    expect(complete('car', 3, ['carol', 'carla'])).toEqual({ value: 'car', cursor: 3, options: ['carla', 'carol'] });
    expect(complete('', 0, ['alice'])).toEqual({ value: '', cursor: 0, options: [] });
    expect(complete('zz', 2, ['alice'])).toEqual({ value: 'zz', cursor: 2, options: [] });
  });

  it('completes commands of the screen and names at the prompt', () => {
    const hints: string[][] = [];
    const { editor, input } = testEditor({ completions: () => [...commandNames(CHAT_COMMANDS), 'alice'], onCompletions: (o) => void hints.push(o) });
    input('!ve', '\t');
    expect(editor.value).toBe('!verify ');
    input('al', '\t');
    expect(editor.value).toBe('!verify alice ');
    input('\u0015!', '\t');
    expect(hints.at(-1)).toContain('!go');
  });
});

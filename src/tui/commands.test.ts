// The one dispatcher every screen's command table goes through: its own commands, aliases and text, and the
// commands every screen shares (!help, !back, !exit, a command that does not exist); the password prompts' rule.
import { describe, expect, it } from 'vitest';
import { BACK_ON_LOGIN, commandNames, commandTable, dispatch, helpLines, secretCommand, unknownCommand, type Status } from './commands.js';

const TABLE = commandTable({
  title: 'Commands here:',
  rows: [
    { keys: 'WORDS', help: 'say something' },
    { name: 'wave', usage: 'NAME', help: 'wave at NAME', needs: 'Type !wave and a name.' },
    { name: 'hidden' },
  ],
  aliases: { hi: 'wave', leave: 'back' },
  back: 'return to the menu',
});

const FIRST = commandTable({ title: 'First page:', rows: [{ name: 'start', help: 'begin' }], back: null });

/** A screen that records what each line did. */
function screen() {
  const did: string[] = [];
  const said: Array<Status | null> = [];
  const actions = {
    run: { wave: (arg: string) => void did.push(`wave ${arg}`), hidden: () => void did.push('hidden') },
    text: (text: string) => {
      did.push(`text ${text}`);
      return text !== 'refused';
    },
    back: () => void did.push('back'),
    exit: () => void did.push('exit'),
    say: (status: Status | null) => void said.push(status),
  };
  const submit = (line: string) => dispatch(line, TABLE, actions, () => void did.push('help'));
  return { did, said, submit };
}

describe('dispatch', () => {
  it("runs the screen's commands, by name or alias, with what follows them; `/` works as `!`", () => {
    const s = screen();
    s.submit('!wave alice');
    s.submit('/WAVE bob');
    s.submit('!hi carol');
    s.submit('!hidden');
    expect(s.did).toEqual(['wave alice', 'wave bob', 'wave carol', 'hidden']);
    expect(s.said).toEqual([]);
  });

  it('hands text to the screen and gives back its answer, so a refused line stays in the input line', () => {
    const s = screen();
    expect(s.submit('hello')).toBe(true);
    expect(s.submit('refused')).toBe(false);
    expect(s.submit('!!wave')).toBe(true);
    s.submit('   ');
    expect(s.did).toEqual(['text hello', 'text refused', 'text !wave']);
  });

  it('answers !exit, !back (and its alias) and !help the same on every screen; the help clears the last sentence', () => {
    const s = screen();
    s.submit('!exit');
    s.submit('/back');
    s.submit('!leave');
    s.submit('!help');
    expect(s.did).toEqual(['exit', 'back', 'back', 'help']);
    expect(s.said).toEqual([null]);
  });

  it('says plainly when a command does not exist, or lacks what must follow it', () => {
    const s = screen();
    s.submit('!nope');
    s.submit('!wave');
    s.submit('!toString');
    expect(s.said).toEqual([
      { text: unknownCommand('nope'), error: true },
      { text: 'Type !wave and a name.', error: true },
      { text: unknownCommand('tostring'), error: true },
    ]);
    expect(s.did).toEqual([]);
  });

  it('keeps !back from leaving the first screen', () => {
    const said: Array<Status | null> = [];
    const did: string[] = [];
    const actions = { run: { start: () => void did.push('start') }, text: () => undefined, exit: () => void did.push('exit'), say: (s: Status | null) => void said.push(s) };
    dispatch('!back', FIRST, actions, () => undefined);
    dispatch('!start', FIRST, actions, () => undefined);
    expect(said).toEqual([{ text: BACK_ON_LOGIN, error: true }]);
    expect(did).toEqual(['start']);
  });
});

describe('helpLines and commandNames', () => {
  it('list the rows in order, then !back, !help and !exit, in one column; a command without help is not listed', () => {
    const lines = helpLines(TABLE);
    expect(lines[0]).toBe('Commands here:');
    expect(lines.slice(1).map((line) => line.split(/\s{2,}/)[0])).toEqual(['WORDS', '!wave NAME', '!back', '!help', '!exit']);
    expect(new Set(lines.slice(1).map((line) => /^\S+(?: [A-Z]+)?\s{2,}/.exec(line)?.[0].length)).size).toBe(1);
    expect(helpLines(FIRST)).toContain('!back   (not here: the login pages are the first screen)');
    expect(commandNames(TABLE)).toEqual(['!wave', '!back', '!help', '!exit']);
  });
});

describe('secretCommand', () => {
  it('takes only an exact !back or !exit (or /back, /exit) at a password prompt; anything else is the password', () => {
    expect(['!back', '/back', '!EXIT', '/exit'].map(secretCommand)).toEqual(['back', 'back', 'exit', 'exit']);
    expect(['!back up plan', ' !exit', '!exit ', '!!exit', '!help', 'exit', '!backward'].map(secretCommand)).toEqual(Array(7).fill(null));
  });
});

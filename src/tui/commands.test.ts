// The `!` commands: a line parsed, the one dispatcher every screen's command table goes through (its own
// commands, aliases and text; !help, !back, !exit and an unknown command the same everywhere), each screen's
// help in one column, and the password prompts' rule.
import { describe, expect, it } from 'vitest';
import { BACK_ON_LOGIN, commandNames, commandTable, dispatch, helpLines, parseLine, secretCommand, unknownCommand, type Status } from './commands.js';
import { ACCOUNT_COMMANDS } from './screens/account.js';
import { CHAT_COMMANDS } from './screens/chat.js';
import { GROUP_COMMANDS } from './screens/group-chat.js';
import { MENU_COMMANDS } from './screens/menu.js';
import { SEARCH_COMMANDS } from './screens/search.js';
import { WELCOME_COMMANDS } from './screens/welcome.js';

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

describe('parseLine', () => {
  it('tells commands from text, with !! to send a leading !', () => {
    expect(parseLine('  ')).toEqual({ kind: 'empty' });
    expect(parseLine('!back')).toEqual({ kind: 'command', name: 'back', arg: '' });
    expect(parseLine('!EXIT now')).toEqual({ kind: 'command', name: 'exit', arg: 'now' });
    expect(parseLine('!!wow')).toEqual({ kind: 'text', text: '!wow' });
    expect(parseLine('hello !back')).toEqual({ kind: 'text', text: 'hello !back' });
  });

  it('takes /name as a command and //text as text that starts with /', () => {
    expect(parseLine('/back')).toEqual({ kind: 'command', name: 'back', arg: '' });
    expect(parseLine('/GO alice')).toEqual({ kind: 'command', name: 'go', arg: 'alice' });
    expect(parseLine('//shrug')).toEqual({ kind: 'text', text: '/shrug' });
    expect(parseLine('!back\nand more')).toEqual({ kind: 'text', text: '!back\nand more' });
  });
});

describe('HELP', () => {
  const HELP = { welcome: WELCOME_COMMANDS, menu: MENU_COMMANDS, chat: CHAT_COMMANDS, group: GROUP_COMMANDS, account: ACCOUNT_COMMANDS, search: SEARCH_COMMANDS };

  it('starts every description of a screen in one column, after at least two spaces', () => {
    for (const [screen, [, ...lines]] of Object.entries(HELP).map(([screen, table]) => [screen, helpLines(table)] as const)) {
      const columns = new Set(lines.map((line) => /^\S+(?: [A-Z]+)?\s{2,}/.exec(line)?.[0].length));
      expect(columns.has(undefined), `${screen}: a line without two spaces after its command`).toBe(false);
      expect(columns.size, `${screen}: ${lines.join(' | ')}`).toBe(1);
    }
  });
});

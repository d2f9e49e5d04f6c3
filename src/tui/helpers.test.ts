// Unit tests of the terminal client's small parts: addresses, the profile file, formatting, commands, line editing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { onlineSummary } from './active-users.js';
import { helpLines, parseLine } from './commands.js';
import { deviceName } from './device-name.js';
import { formatTime, rowsFor, statusMark } from './format.js';
import { parseKeys } from './keys.js';
import { LineEditor } from './line-editor.js';
import { fileStorage, parleyHome } from './profile.js';
import { ACCOUNT_COMMANDS } from './screens/account.js';
import { CHAT_COMMANDS } from './screens/chat.js';
import { MENU_COMMANDS } from './screens/menu.js';
import { SEARCH_COMMANDS } from './screens/search.js';
import { WELCOME_COMMANDS } from './screens/welcome.js';
import { TargetError, parseTarget } from './target.js';
import { colorEnabled } from './theme.js';

describe('parseTarget', () => {
  it('takes HOST [PORT] with 50000 by default, or a URL', () => {
    expect(parseTarget('192.168.1.23')).toMatchObject({ url: 'ws://192.168.1.23:50000/ws', label: '192.168.1.23:50000' });
    expect(parseTarget('chat.lan', '4000').url).toBe('ws://chat.lan:4000/ws');
    expect(parseTarget('::1', '4000').url).toBe('ws://[::1]:4000/ws');
    expect(parseTarget('wss://chat.example.org').url).toBe('wss://chat.example.org/ws');
    expect(parseTarget('http://10.0.0.2:50000/').url).toBe('ws://10.0.0.2:50000/ws');
    expect(parseTarget('ws://10.0.0.2:50000/ws').slug).toMatch(/^[A-Za-z0-9._-]+$/);
  });

  it('refuses what is not an address, in a sentence', () => {
    expect(() => parseTarget('host', '70000')).toThrow(TargetError);
    expect(() => parseTarget('host', 'abc')).toThrow(/not a port/);
    expect(() => parseTarget('a b')).toThrow(TargetError);
    expect(() => parseTarget('ws://x', '1')).toThrow(/either a URL/);
  });
});

describe('profile storage', () => {
  it('persists to a file only the user can read, and survives a new instance', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-home-'));
    try {
      expect(parleyHome({ PARLEY_HOME: home })).toBe(home);
      const file = path.join(home, 'profiles', 'server_1', 'alice.json');
      const storage = fileStorage(file);
      expect(storage.getItem('parley.token')).toBeNull();
      storage.setItem('parley.token', 'secret');
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
      expect(fileStorage(file).getItem('parley.token')).toBe('secret');
      storage.removeItem('parley.token');
      expect(fileStorage(file).getItem('parley.token')).toBeNull();
      fs.writeFileSync(file, 'not json');
      expect(fileStorage(file).getItem('x')).toBeNull();
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('formatting', () => {
  it('shows local HH:MM today and the date otherwise', () => {
    const now = new Date(2026, 4, 17, 15, 30).getTime();
    expect(formatTime(new Date(2026, 4, 17, 9, 5).getTime(), now)).toBe('09:05');
    expect(formatTime(new Date(2026, 4, 16, 23, 59).getTime(), now)).toBe('2026-05-16 23:59');
  });

  it('marks delivery and counts wrapped rows', () => {
    expect(['sending', 'sent', 'seen'].map((s) => statusMark(s as 'sent'))).toEqual(['[sending]', '[sent]', '[seen]']);
    expect(statusMark('failed', { message: 'No account has this username.' })).toContain('not sent');
    expect(rowsFor('x'.repeat(81), 80)).toBe(2);
    expect(rowsFor('a\nb', 80)).toBe(2);
  });

  it('honours NO_COLOR', () => {
    expect(colorEnabled({})).toBe(true);
    expect(colorEnabled({ NO_COLOR: '1' })).toBe(false);
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
});

describe('deviceName', () => {
  it('names the terminal user@host, cleaned and cut to a length the device list can show', () => {
    expect(deviceName('alice', 'laptop.corp.example.org')).toBe('alice@laptop');
    expect(deviceName('al ice\u001b[31m', 'box\u202e1')).toBe('alice31m@box1');
    expect(deviceName('a'.repeat(40), 'h'.repeat(40))).toBe(`${'a'.repeat(16)}@${'h'.repeat(24)}`);
    expect(deviceName(undefined, 'box')).toBe('box');
    expect(deviceName('', '')).toBe('terminal');
  });
});

describe('HELP', () => {
  const HELP = { welcome: WELCOME_COMMANDS, menu: MENU_COMMANDS, chat: CHAT_COMMANDS, account: ACCOUNT_COMMANDS, search: SEARCH_COMMANDS };
  it('starts every description of a screen in one column, after at least two spaces', () => {
    for (const [screen, [, ...lines]] of Object.entries(HELP).map(([screen, table]) => [screen, helpLines(table)] as const)) {
      const columns = new Set(lines.map((line) => /^\S+(?: [A-Z]+)?\s{2,}/.exec(line)?.[0].length));
      expect(columns.has(undefined), `${screen}: a line without two spaces after its command`).toBe(false);
      expect(columns.size, `${screen}: ${lines.join(' | ')}`).toBe(1);
    }
  });
});

describe('LineEditor', () => {
  /** What the terminal sends, as Ink hands it over: one input event. */
  const type = (editor: LineEditor, input: string) => parseKeys(input).forEach((k) => editor.press(k));

  it('edits and submits keys that arrive faster than any render', () => {
    const editor = new LineEditor();
    const submitted: string[] = [];
    editor.target = { active: true, onSubmit: (l) => void submitted.push(l) };
    for (const ch of 'helo') type(editor, ch);
    type(editor, '\u001b[D');
    type(editor, 'l');
    type(editor, '\r');
    type(editor, 'a\rbc');
    type(editor, '\u007f');
    type(editor, '\r');
    type(editor, 'typed while busy\r');
    expect(submitted).toEqual(['hello', 'a', 'b', 'typed while busy']);
  });

  it('holds Enter while the screen is busy but keeps the typing', () => {
    const editor = new LineEditor();
    const submitted: string[] = [];
    editor.target = { active: false, onSubmit: (l) => void submitted.push(l) };
    type(editor, 'abc');
    type(editor, '\r');
    expect(submitted).toEqual([]);
    expect(editor.value).toBe('abc');
    type(editor, '\u0015');
    expect(editor.value).toBe('');
  });
});

describe('onlineSummary', () => {
  it('lists everyone when they fit, you marked', () => {
    expect(onlineSummary(['alice', 'bob'], 2, 'alice', 80)).toBe('Online now (2): alice (you), bob');
  });

  it('puts you first when you are not on the page, and says how many more to type a name for', () => {
    const line = onlineSummary(['aaron', 'abby', 'adam', 'ada'], 2_000, 'zoe', 70);
    expect(line).toBe('Online now (2000): zoe (you), aaron, abby and 1997 more — type a name');
    expect(line.length).toBeLessThanOrEqual(70);
  });

  it('says nobody before the first answer when signed out', () => {
    expect(onlineSummary([], 0, '', 80)).toBe('Online now (0): nobody');
  });
});

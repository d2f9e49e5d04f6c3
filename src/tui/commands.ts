// The `!` commands (`/` works the same, for IRC habits): parsing a submitted line, and the help text for each screen.

export type Parsed = { kind: 'empty' } | { kind: 'text'; text: string } | { kind: 'command'; name: string; arg: string };

/**
 * `!name arg` or `/name arg` is a command; `!!text` sends `!text` and `//text` sends `/text`; anything else,
 * and any text of several lines (a paste), is text.
 */
export function parseLine(line: string): Parsed {
  const trimmed = line.trim();
  if (trimmed === '') return { kind: 'empty' };
  if (trimmed.startsWith('!!') || trimmed.startsWith('//')) return { kind: 'text', text: trimmed.slice(1) };
  if (/^[!/]/.test(trimmed) && !trimmed.includes('\n')) {
    const [name = '', ...rest] = trimmed.slice(1).split(/\s+/);
    return { kind: 'command', name: name.toLowerCase(), arg: rest.join(' ') };
  }
  return { kind: 'text', text: trimmed };
}

export type ScreenName = 'welcome' | 'menu' | 'chat' | 'account' | 'search';

type HelpRow = readonly [command: string, what: string];

const SEARCH: HelpRow = ['!search', 'find the messages on this device that hold the words after it (/search too)'];

const COMMON: HelpRow[] = [
  ['!help', 'list these commands (/help, /back and the others work too)'],
  ['!exit', 'leave Parley (Ctrl-C does the same)'],
];

/** Moving around and editing, where a chat is open or can be opened. */
const KEYS: HelpRow[] = [
  ['!go NAME', 'open the chat with NAME (or !go N: the Nth conversation of the menu; Alt+1…9 too)'],
  ['Tab', 'complete a username or a command'],
  ['Up/Down', 'earlier lines you typed (your draft comes back below the newest)'],
];

/** A title, then one line per command with every description starting in the same column. */
function helpText(title: string, rows: readonly HelpRow[]): string[] {
  const width = Math.max(...rows.map(([command]) => command.length)) + 2;
  return [title, ...rows.map(([command, what]) => `${command.padEnd(width)}${what}`)];
}

export const HELP: Record<ScreenName, string[]> = {
  welcome: helpText('Commands on the login pages:', [
    ['!login', 'log in to an existing account'],
    ['!register', 'create an account'],
    ['!back', '(not here: the login pages are the first screen)'],
    ...COMMON,
  ]),
  menu: helpText('Commands in the menu:', [
    ['USERNAME', 'type any registered username to open a chat (case sensitive)'],
    ...KEYS,
    ['!account', 'your signed-in devices, your password, your keys, sign out everywhere'],
    SEARCH,
    ['!back', 'log out and return to the login pages'],
    ...COMMON,
  ]),
  account: helpText('Commands on the account screen:', [
    ['!revoke N', 'sign out device N of the list (its token stops working at once)'],
    ['!password', 'change your password; your other devices are signed out'],
    ['!reset-keys', 'make new encryption keys (lost device, leaked keys); contacts are warned, other devices signed out'],
    ['!logout-all', 'sign out on every device, this one included'],
    ['!sessions', 'refresh the list'],
    ['!back', 'return to the menu'],
    ...COMMON,
  ]),
  chat: helpText('Commands in a chat:', [
    ['!back', 'return to the menu'],
    ['!more', 'show older messages (or PageUp; PageDown goes forward)'],
    ['!retry', 'send again the messages marked "not sent"'],
    ['!verify', 'show the safety number with this contact; !verify yes marks it verified'],
    ...KEYS,
    ['Alt+Enter', 'a new line in the message (Ctrl+J too); a paste of several lines is one message'],
    SEARCH,
    ['!!text', 'send a message that starts with "!" (//text one that starts with "/")'],
    ...COMMON,
  ]),
  search: helpText('Commands in the search results:', [
    ['N', 'open the chat of result N (!go N too)'],
    ['WORDS', 'search again for these words'],
    ['!back', 'return to the menu'],
    ...COMMON,
  ]),
};

export const BACK_ON_LOGIN =
  '!back does nothing here: the login pages are the first screen. Log in or register, or type !exit to leave.';

export const SEARCH_NEEDS_WORDS = 'Type the words to search for after !search, e.g. !search lunch friday.';

export const unknownCommand = (name: string) => `There is no command !${name}; type !help to see the commands.`;

/** Every command name the screen knows, for Tab: `!go`, `!back`… */
export const commandNames = (screen: ScreenName): string[] =>
  HELP[screen].flatMap((line) => /^!([a-z-]+)/.exec(line)?.[1] ?? []).map((name) => `!${name}`);

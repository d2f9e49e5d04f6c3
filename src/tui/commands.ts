// The `!` commands: parsing a submitted line, and the help text for each screen.

export type Parsed = { kind: 'empty' } | { kind: 'text'; text: string } | { kind: 'command'; name: string; arg: string };

/** `!name arg` is a command (`/search` too, for IRC habits); `!!text` sends `!text`; anything else is text. */
export function parseLine(line: string): Parsed {
  const trimmed = line.trim();
  if (trimmed === '') return { kind: 'empty' };
  if (trimmed.startsWith('!!')) return { kind: 'text', text: trimmed.slice(1) };
  if (trimmed.startsWith('!') || /^\/search(\s|$)/i.test(trimmed)) {
    const [name = '', ...rest] = trimmed.slice(1).split(/\s+/);
    return { kind: 'command', name: name.toLowerCase(), arg: rest.join(' ') };
  }
  return { kind: 'text', text: trimmed };
}

export type ScreenName = 'welcome' | 'menu' | 'chat' | 'account' | 'search';

type HelpRow = readonly [command: string, what: string];

const SEARCH: HelpRow = ['!search', 'find the messages on this device that hold the words after it (/search too)'];

const COMMON: HelpRow[] = [
  ['!help', 'list these commands'],
  ['!exit', 'leave Parley (Ctrl-C does the same)'],
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
    SEARCH,
    ['!!text', 'send a message that starts with "!"'],
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

// The `!` commands (`/` works the same, for IRC habits). Each screen declares a table of its commands; the one
// dispatcher here parses a submitted line and answers what every screen shares: !help, !back, !exit, and a
// command that does not exist.

type Parsed = { kind: 'empty' } | { kind: 'text'; text: string } | { kind: 'command'; name: string; arg: string };

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

/**
 * A password prompt takes the line as typed (never trimmed or parsed: a password may start with `!`), so
 * there only a line that is exactly `!back` or `!exit` (or `/back`, `/exit`) is a command.
 */
export function secretCommand(line: string): 'back' | 'exit' | null {
  const match = /^[!/](back|exit)$/i.exec(line);
  return match ? (match[1]!.toLowerCase() as 'back' | 'exit') : null;
}

/** A command of a screen, typed as `!name` or `/name`. */
export interface Command<Name extends string = string> {
  name: Name;
  /** What follows the name in the help: `N` for `!revoke N`. */
  usage?: string;
  /** Its line in the help; a command without one is a long form of something the help says another way. */
  help?: string;
  /** Said instead of running the command when nothing follows its name, for a command that needs something. */
  needs?: string;
}

/** A line of the help that is not a command: a key, or what to type at the prompt (`USERNAME`). */
export interface Hint {
  keys: string;
  help: string;
}

export type Row = Command | Hint;

/** The command names of a table's rows, e.g. `'revoke' | 'password'`. */
type NameOf<Rows extends readonly Row[]> = Extract<Rows[number], Command>['name'];

/**
 * What a screen can be told. The table is data (the help and Tab completion read it before anything runs);
 * what each command does is given beside it, by the screen, as `Actions`.
 */
export interface CommandTable<Rows extends readonly Row[] = readonly Row[], Back extends string | null = string | null> {
  /** The first line of the help. */
  title: string;
  /** The screen's own commands and hints, in the order the help lists them; !back, !help and !exit follow. */
  rows: Rows;
  /** Other names the screen takes for a command (`!logout` for `!back`), not listed in the help. */
  aliases?: Readonly<Record<string, NameOf<Rows> | 'back'>>;
  /** Where !back goes, for the help; null on the login pages: the first screen, where it goes nowhere. */
  back: Back;
}

/** A table with its command names kept as a type, so a screen must say what each of them does. */
export const commandTable = <const Rows extends readonly Row[], const Back extends string | null>(table: CommandTable<Rows, Back>) => table;

/** A sentence on the screen's status line. */
export interface Status {
  text: string;
  error: boolean;
}

export type Actions<Rows extends readonly Row[], Back extends string | null> = ScreenActions<NameOf<Rows>> & (Back extends string ? { back(): void } : unknown);

interface ScreenActions<Name extends string> {
  /** What each command of the table does with what was typed after its name. */
  run: Record<Name, (arg: string) => void>;
  /** A line that is not a command (a message, a username…); false keeps it in the input line. */
  text(text: string): boolean | void;
  /** !exit: tells the server and quits. */
  exit(): void;
  /** Replaces the status line (null empties it). */
  say(status: Status | null): void;
  /** !back: the previous screen (required by the type on every screen but the first). */
  back?(): void;
}

export const BACK_ON_LOGIN =
  '!back does nothing here: the login pages are the first screen. Log in or register, or type !exit to leave.';

export const unknownCommand = (name: string) => `There is no command !${name}; type !help to see the commands.`;

/**
 * Runs a submitted line on a screen: its own command or text, or one of the commands every screen shares
 * (`showHelp` puts the help on the screen until the next line).
 */
export function dispatch<Rows extends readonly Row[], Back extends string | null>(
  line: string,
  table: CommandTable<Rows, Back>,
  actions: Actions<Rows, Back>,
  showHelp: () => void,
): boolean | void {
  const parsed = parseLine(line);
  if (parsed.kind === 'empty') return;
  if (parsed.kind === 'text') return actions.text(parsed.text);
  const aliases = table.aliases ?? {};
  const name = Object.hasOwn(aliases, parsed.name) ? aliases[parsed.name]! : parsed.name;
  const error = (text: string) => actions.say({ text, error: true });
  if (name === 'exit') return actions.exit();
  if (name === 'help') {
    // The help replaces whatever the last command said, an old error included.
    actions.say(null);
    return showHelp();
  }
  if (name === 'back') return table.back === null || !actions.back ? error(BACK_ON_LOGIN) : actions.back();
  const command = commandsOf(table).find((c) => c.name === name);
  if (!command) return error(unknownCommand(parsed.name));
  if (command.needs !== undefined && parsed.arg === '') return error(command.needs);
  return actions.run[command.name as NameOf<Rows>](parsed.arg);
}

const commandsOf = (table: CommandTable): Command[] => table.rows.filter((row): row is Command => 'name' in row);

const SHARED: Array<[command: string, what: string]> = [
  ['!help', 'list these commands (/help, /back and the others work too)'],
  ['!exit', 'leave Parley (Ctrl-C does the same)'],
];

/** The help of a screen: its title, then one line per row with every description starting in the same column. */
export function helpLines(table: CommandTable): string[] {
  const rows: Array<[string, string]> = [
    ...table.rows.flatMap((row): Array<[string, string]> => {
      if ('keys' in row) return [[row.keys, row.help]];
      return row.help === undefined ? [] : [[`!${row.name}${row.usage ? ` ${row.usage}` : ''}`, row.help]];
    }),
    ['!back', table.back ?? '(not here: the login pages are the first screen)'],
    ...SHARED,
  ];
  const width = Math.max(...rows.map(([command]) => command.length)) + 2;
  return [table.title, ...rows.map(([command, what]) => `${command.padEnd(width)}${what}`)];
}

/** Every command name a screen knows, for Tab: `!go`, `!back`… */
export const commandNames = (table: CommandTable): string[] => [
  ...commandsOf(table).flatMap((c) => (c.help === undefined ? [] : [`!${c.name}`])),
  '!back',
  '!help',
  '!exit',
];

// Rows more than one screen lists.

export const SEARCH: Command<'search'> = {
  name: 'search',
  help: 'find the messages on this device that hold the words after it (/search too)',
  needs: 'Type the words to search for after !search, e.g. !search lunch friday.',
};

/** Moving around and editing, where a chat is open or can be opened. */
export const GO_AND_KEYS: readonly [Command<'go'>, Hint, Hint] = [
  {
    name: 'go',
    usage: 'NAME',
    help: 'open the chat with NAME (or !go N: the Nth conversation of the menu; Alt+1…9 too)',
    needs: 'Type !go NAME, or !go N for the Nth conversation of the menu.',
  },
  { keys: 'Tab', help: 'complete a username or a command' },
  { keys: 'Up/Down', help: 'earlier lines you typed (your draft comes back below the newest)' },
];

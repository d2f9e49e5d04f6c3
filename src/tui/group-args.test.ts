// Group commands as typed: names, roles and settings read from what follows the command, or a sentence saying what to type.
import { describe, expect, it } from 'vitest';
import { dispatch } from './commands.js';
import { listNames, parseCreate, parseHistory, parseNames, parseOne, parseRole } from './group-args.js';
import { GROUP_COMMANDS } from './screens/group-chat.js';
import { MENU_COMMANDS } from './screens/menu.js';

describe('group command arguments', () => {
  it('reads !group NAME with NAMES, a name with spaces and names with @ and commas', () => {
    expect(parseCreate('Lunch crew with @alice, bob and carol')).toEqual({ ok: true, value: { name: 'Lunch crew', members: ['alice', 'bob', 'carol'] } });
    expect(parseCreate('ops WITH bob bob')).toEqual({ ok: true, value: { name: 'ops', members: ['bob'] } });
    expect(parseCreate('solo')).toEqual({ ok: true, value: { name: 'solo', members: [] } });
    expect(parseCreate(' with bob').ok).toBe(false);
    expect(parseCreate('ops with ,').ok).toBe(false);
    // "with" inside the name (no space around it) is part of the name.
    expect(parseCreate('withers with bob')).toEqual({ ok: true, value: { name: 'withers', members: ['bob'] } });
  });

  it('reads roles, the history setting and single names, with what to type when wrong', () => {
    expect(parseRole('@carol Admin')).toEqual({ ok: true, value: { username: 'carol', role: 'admin' } });
    expect(parseRole('carol boss')).toEqual({ ok: false, error: 'Type !role NAME owner, !role NAME admin or !role NAME member.' });
    expect(parseRole('carol admin extra').ok).toBe(false);
    expect(parseHistory(' Shared ')).toEqual({ ok: true, value: 'shared' });
    expect(parseHistory('sometimes').ok).toBe(false);
    expect(parseOne('@dave', 'remove')).toEqual({ ok: true, value: 'dave' });
    expect(parseOne('dave erin', 'remove')).toEqual({ ok: false, error: 'Type one username after !remove, e.g. !remove alice.' });
    expect(parseNames('a, b c,,a')).toEqual(['a', 'b', 'c']);
    expect(listNames(['a'])).toBe('a');
    expect(listNames(['a', 'b', 'c'])).toBe('a, b and c');
  });

  it('dispatches the group commands of the tables, and asks for what a command needs', () => {
    const ran: string[] = [];
    const said: string[] = [];
    const run = Object.fromEntries(
      GROUP_COMMANDS.rows.flatMap((row) => ('name' in row ? [[row.name, (arg: string) => void ran.push(`${row.name}:${arg}`)]] : [])),
    ) as never;
    const actions = { run, text: () => true, exit: () => {}, back: () => {}, say: (s: { text: string } | null) => void (s && said.push(s.text)) };
    for (const line of ['!members', '/add carol dave', '!ROLE carol admin', '!mute', '!seen', '!remove']) dispatch(line, GROUP_COMMANDS, actions, () => {});
    expect(ran).toEqual(['members:', 'add:carol dave', 'role:carol admin', 'mute:', 'seen:']);
    expect(said).toEqual(['Type who to remove after !remove, e.g. !remove carol.']);
    expect(MENU_COMMANDS.rows.some((row) => 'name' in row && row.name === 'group')).toBe(true);
  });
});

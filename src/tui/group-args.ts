// What follows a group command's name, read into what the SDK takes, or a sentence saying what to type instead.

export type Role = 'owner' | 'admin' | 'member';
type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = (error: string): Parsed<never> => ({ ok: false, error });

/** Usernames typed after a command: separated by spaces or commas, an `@` in front allowed (`@alice, bob`). */
export function parseNames(text: string): string[] {
  const names = text
    .split(/[\s,]+/)
    .map((word) => word.replace(/^@/, ''))
    .filter((word) => word !== '' && word.toLowerCase() !== 'and');
  return [...new Set(names)];
}

/**
 * `!group NAME with alice bob`: the group's name (it may hold spaces) and who joins the creator. Without
 * `with`, the group starts with the creator alone.
 */
export function parseCreate(arg: string): Parsed<{ name: string; members: string[] }> {
  const match = /^(.*?)(?:^|\s+)with\s+(.*)$/i.exec(arg.trim());
  const name = (match ? match[1]! : arg).trim();
  if (name === '') return fail('Type a name for the group first: !group NAME with alice bob.');
  const members = match ? parseNames(match[2]!) : [];
  if (match && members.length === 0) return fail(`Type who joins after "with": !group ${name} with alice bob.`);
  return ok({ name, members });
}

/** `!role NAME owner|admin|member`. */
export function parseRole(arg: string): Parsed<{ username: string; role: Role }> {
  const [name = '', role = '', ...rest] = arg.trim().split(/\s+/);
  const username = name.replace(/^@/, '');
  if (username === '' || rest.length > 0 || !isRole(role.toLowerCase())) {
    return fail('Type !role NAME owner, !role NAME admin or !role NAME member.');
  }
  return ok({ username, role: role.toLowerCase() as Role });
}

const isRole = (text: string): text is Role => text === 'owner' || text === 'admin' || text === 'member';

/** `!history shared|hidden`. */
export function parseHistory(arg: string): Parsed<'shared' | 'hidden'> {
  const value = arg.trim().toLowerCase();
  if (value === 'shared' || value === 'hidden') return ok(value);
  return fail('Type !history shared (people added later read earlier messages) or !history hidden (they do not).');
}

/** `!remove NAME`: exactly one name. */
export function parseOne(arg: string, command: string): Parsed<string> {
  const names = parseNames(arg);
  if (names.length !== 1) return fail(`Type one username after !${command}, e.g. !${command} alice.`);
  return ok(names[0]!);
}

/** Names joined as a sentence says them: "alice", "alice and bob", "alice, bob and carol". */
export function listNames(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

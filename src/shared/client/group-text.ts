// What the user reads of groups: one line per verified membership change, in the same words in both
// clients, and whether a message mentions the user.
import type { ChangeAction, HistorySetting, MembershipChange, Role } from '../crypto/index.js';

export type { ChangeAction, HistorySetting, Role };

/** One verified membership change as the conversation shows it ("alice added carol and dave"). */
export interface MembershipLine {
  /** The change's place in the chain, from 0 (the creation). */
  index: number;
  /** The conversation's last seq when the server stored the change: the line goes after that message. */
  afterSeq: number;
  actor: string;
  action: ChangeAction;
  /** Who the change names besides the actor, in username order (for create: every first member but the creator). */
  targets: readonly string[];
  /** add: the role the newcomers got when it is not 'member'; set-role: the new role. */
  role?: Role;
  /** create and rename: the group's name after the change. */
  name?: string;
  /** create and set-history: the setting after the change. */
  history?: HistorySetting;
  /** The actor's clock (ms): shown, never trusted for order. */
  ts: number;
}

/** The line for a verified change. */
export function membershipLine(change: MembershipChange, afterSeq: number): MembershipLine {
  const others = change.action === 'create' ? change.targets.filter((t) => t.username !== change.actor) : change.targets;
  const line: MembershipLine = {
    index: change.index,
    afterSeq,
    actor: change.actor,
    action: change.action,
    targets: change.action === 'update-key' ? [] : others.map((t) => t.username),
    ts: change.ts,
  };
  if (change.action === 'set-role' && change.targets[0]) line.role = change.targets[0].role;
  if (change.action === 'add') {
    const roles = new Set(change.targets.map((t) => t.role));
    const [only] = roles;
    if (roles.size === 1 && only !== undefined && only !== 'member') line.role = only;
  }
  if (change.action === 'create' || change.action === 'rename') line.name = change.name;
  if (change.action === 'create' || change.action === 'set-history') line.history = change.history;
  return line;
}

/** "carol", "carol and dave", "carol, dave and erin"; the user is "you". */
function namesText(names: readonly string[], me: string): string {
  const words = names.map((n) => (n === me ? 'you' : n));
  if (words.length <= 1) return words[0] ?? 'no one';
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1)!}`;
}

const ROLE_WORDS: Record<Role, string> = { owner: 'an owner', admin: 'an admin', member: 'a member' };
const ROLE_PLURAL: Record<Role, string> = { owner: 'owners', admin: 'admins', member: 'members' };

/**
 * The sentence both clients show for a membership line, from `me`'s side: "alice added carol and dave",
 * "you renamed the group to “Ops”", "bob left".
 */
export function describeMembershipLine(line: MembershipLine, me: string): string {
  const actor = line.actor === me ? 'you' : line.actor;
  const targets = namesText(line.targets, me);
  switch (line.action) {
    case 'create':
      return `${actor} created the group “${line.name ?? ''}”${line.targets.length > 0 ? ` with ${targets}` : ''}`;
    case 'add': {
      const plural = line.targets.length > 1;
      const as = line.role ? ` as ${plural ? ROLE_PLURAL[line.role] : ROLE_WORDS[line.role]}` : '';
      return `${actor} added ${targets}${as}`;
    }
    case 'remove':
      return `${actor} removed ${targets}`;
    case 'leave':
      return `${actor} left`;
    case 'set-role':
      return `${actor} made ${targets} ${ROLE_WORDS[line.role ?? 'member']}`;
    case 'rename':
      return `${actor} renamed the group to “${line.name ?? ''}”`;
    case 'set-history':
      return line.history === 'shared'
        ? `${actor} let new members read the messages from before they joined`
        : `${actor} made the messages from before they joined hidden from new members`;
    case 'update-key':
      return line.actor === me ? 'you updated your keys in this group' : `${line.actor} updated their keys in this group`;
  }
}

/** Characters of a username (src/shared/protocol.ts USERNAME_PATTERN). */
const NAME_CHAR = /[A-Za-z0-9_.-]/;
const WORD_CHAR = /[A-Za-z0-9_]/;

/**
 * Whether `body` mentions `username` as `@username`, a whole word, case sensitive as usernames are: "@bob,"
 * and "@bob." mention bob; "@bobby", "x@bob" and "@Bob" do not.
 */
export function mentions(body: string, username: string): boolean {
  if (username.length === 0) return false;
  const needle = `@${username}`;
  for (let at = body.indexOf(needle); at >= 0; at = body.indexOf(needle, at + 1)) {
    const before = at === 0 ? '' : body[at - 1]!;
    if (before !== '' && NAME_CHAR.test(before)) continue;
    const after = body[at + needle.length] ?? '';
    // "." or "-" right after the name ends it when no name character follows ("@bob." at a sentence's end).
    if (after === '' || !NAME_CHAR.test(after)) return true;
    if ((after === '.' || after === '-') && !WORD_CHAR.test(body[at + needle.length + 1] ?? '')) return true;
  }
  return false;
}

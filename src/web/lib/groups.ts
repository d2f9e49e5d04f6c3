// Plain words and checks for groups: the name rule as the form says it, and what to say when a change is refused.
import { GROUP_NAME_MAX_CHARS, MAX_GROUP_MEMBERS, validGroupName } from '../../shared/crypto/membership.js';

export type GroupRole = 'owner' | 'admin' | 'member';
export type GroupHistory = 'hidden' | 'shared';

export const GROUP_NAME_RULE_TEXT = `Group names are 1 to ${GROUP_NAME_MAX_CHARS} characters, without spaces at either end or control characters.`;

/** Why the name cannot be used, or null when it can (the form trims it first, as people expect). */
export function groupNameProblem(name: string): string | null {
  if (name.trim() === '') return 'Give the group a name.';
  return validGroupName(name.trim()) ? null : GROUP_NAME_RULE_TEXT;
}

/** The most members a group can have, as the sentences say it. */
export const GROUP_LIMIT_TEXT = MAX_GROUP_MEMBERS.toLocaleString('en-GB');

const ROLE_NAMES: Record<GroupRole, string> = { owner: 'Owner', admin: 'Admin', member: 'Member' };
export const roleName = (role: GroupRole): string => ROLE_NAMES[role];

/** A refused group change, in words; `subject` names the person the change was about, when there was one. */
export function groupErrorText(code: string | undefined, message: string | undefined, subject?: string): string {
  switch (code ?? '') {
    case 'USER_NOT_FOUND':
    case 'INVALID_USERNAME':
      return subject ? `No such user: “${subject}”. Usernames are case sensitive.` : 'One of those people has no account here. Usernames are case sensitive.';
    case 'GROUP_FULL':
      return `This group has ${GROUP_LIMIT_TEXT} members, the most a group can have; remove someone first.`;
    case 'INVALID_GROUP_NAME':
      return GROUP_NAME_RULE_TEXT;
    case 'NOT_ALLOWED':
      return 'Your role in this group does not allow that.';
    case 'LAST_OWNER':
      return 'The last owner cannot leave, be demoted or be removed: make someone else an owner first.';
    case 'CONVERSATION_NOT_FOUND':
      return 'You are no longer a member of this group.';
    case 'DISCONNECTED':
    case 'TIMEOUT':
      return 'You are offline right now. Try again once reconnected.';
    case 'RATE_LIMITED':
      return 'Too many group changes for now. Try again later.';
    default:
      return message ?? 'That did not work. Try again.';
  }
}

/** What a role may do to others and to the group (docs/groups.md, Roles). */
export interface GroupPowers {
  rename: boolean;
  add: boolean;
  /** Whether this member (with `role`) may be removed by us. */
  remove(role: GroupRole): boolean;
  setRoles: boolean;
  setHistory: boolean;
}

export function powersOf(myRole: GroupRole | null): GroupPowers {
  const owner = myRole === 'owner';
  const admin = myRole === 'admin';
  return {
    rename: owner || admin,
    add: owner || admin,
    remove: (role) => (owner ? true : admin ? role === 'member' : false),
    setRoles: owner,
    setHistory: owner,
  };
}

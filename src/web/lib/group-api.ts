// INTERIM: the SDK's group surface as the issue-16 contract names it, until src/shared/client exports it.
// Replaced by the SDK's own types and methods when they land; nothing here talks to the server itself.
import type { ClientState, ConversationSummary, OutboxEntry, ParleyClient } from '../../shared/client/index.js';
import type { GroupHistory, GroupRole } from './groups.js';

export type ChangeAction = 'create' | 'add' | 'remove' | 'leave' | 'set-role' | 'rename' | 'set-history' | 'update-key';

export interface MembershipLine {
  index: number;
  afterSeq: number;
  actor: string;
  action: ChangeAction;
  targets: readonly string[];
  role?: GroupRole;
  name?: string;
  history?: GroupHistory;
  ts: number;
}

export interface GroupView {
  conversationId: number;
  groupId: string;
  name: string;
  history: GroupHistory;
  members: readonly { username: string; role: GroupRole }[];
  myRole: GroupRole | null;
  timeline: readonly MembershipLine[];
  refused?: { index: number; reason: string };
}

export interface GroupClient {
  createGroup(name: string, members: string[], options?: { history?: GroupHistory }): Promise<ConversationSummary>;
  addMembers(conversationId: number, usernames: string[], role?: 'member' | 'admin'): Promise<void>;
  removeMember(conversationId: number, username: string): Promise<void>;
  leaveGroup(conversationId: number): Promise<void>;
  renameGroup(conversationId: number, name: string): Promise<void>;
  setRole(conversationId: number, username: string, role: GroupRole): Promise<void>;
  setGroupHistory(conversationId: number, history: GroupHistory): Promise<void>;
  sendTo(conversationId: number, body: string): OutboxEntry;
  seenBy(conversationId: number, seq: number): Promise<string[]>;
  setMuted(conversationId: number, muted: boolean): void;
}

export const groupClient = (client: ParleyClient): GroupClient => client as unknown as GroupClient;

interface GroupState {
  groups?: Readonly<Record<number, GroupView>>;
  muted?: Readonly<Record<number, true>>;
}

const NO_GROUPS: Readonly<Record<number, GroupView>> = {};
const NONE_MUTED: Readonly<Record<number, true>> = {};

export const groupsOf = (state: ClientState): Readonly<Record<number, GroupView>> => (state as ClientState & GroupState).groups ?? NO_GROUPS;
export const mutedOf = (state: ClientState): Readonly<Record<number, true>> => (state as ClientState & GroupState).muted ?? NONE_MUTED;

/** The conversation an outbox entry goes to, as conversationKey names it: the peer, or `#id` for a group. */
export function outboxTarget(entry: OutboxEntry): string {
  const { to, conversationId } = entry as { to?: string; conversationId?: number };
  return to ?? `#${conversationId ?? 0}`;
}

/** An unread notice says this conversation's message mentions the user (Notice.mention). */
export const noticeMentions = (state: ClientState, conversationId: number): boolean =>
  state.notices.some((n) => n.conversationId === conversationId && (n as { mention?: true }).mention === true);

/** `@name` as a whole word, case sensitive (the SDK's `mentions`). */
export function mentionsUser(body: string, username: string): boolean {
  if (username === '') return false;
  const escaped = username.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![A-Za-z0-9._-])@${escaped}(?![A-Za-z0-9_-]|\\.[A-Za-z0-9_-])`).test(body);
}

const who = (name: string, me: string, capital = false): string => (name === me ? (capital ? 'You' : 'you') : name);

function joinNames(names: readonly string[], me: string): string {
  const shown = names.map((n) => who(n, me));
  return shown.length <= 1 ? (shown[0] ?? '') : `${shown.slice(0, -1).join(', ')} and ${shown.at(-1) ?? ''}`;
}

/** The words of one membership line ("alice added carol and dave"); the SDK's describeMembershipLine. */
export function describeMembershipLine(line: MembershipLine, me: string): string {
  const actor = who(line.actor, me, true);
  const targets = joinNames(line.targets, me);
  switch (line.action) {
    case 'create':
      return `${actor} created the group “${line.name ?? ''}”`;
    case 'add':
      return `${actor} added ${targets}`;
    case 'remove':
      return `${actor} removed ${targets}`;
    case 'leave':
      return `${actor} left`;
    case 'set-role':
      return `${actor} made ${targets} ${line.role === 'member' ? 'a member' : `an ${line.role ?? 'member'}`}`;
    case 'rename':
      return `${actor} renamed the group to “${line.name ?? ''}”`;
    case 'set-history':
      return line.history === 'shared' ? `${actor} let people added later see the history` : `${actor} hid the history from people added later`;
    case 'update-key':
      return `${actor} ${line.actor === me ? 'have' : 'has'} new keys`;
  }
}

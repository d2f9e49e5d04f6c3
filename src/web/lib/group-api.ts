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

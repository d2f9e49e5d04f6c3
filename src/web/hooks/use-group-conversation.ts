// One group conversation: its verified members and role, its history with the membership lines, sending,
// and what can be changed in it (each change resolves to null, or to a sentence saying why not).
import { useCallback, useMemo } from 'react';
import { describeMembershipLine, ParleyError, selectThread, threadOf, type GroupView, type Thread } from '../../shared/client/index.js';
import type { GroupSummary } from '../../shared/protocol.js';
import { useClient, useClientState } from '../client-context.js';
import { groupErrorText, type GroupHistory, type GroupRole } from '../lib/groups.js';
import type { MessageItem, SecurityNote, SystemLine } from '../types.js';
import { useThreadActions, type ThreadActions } from './use-thread-actions.js';

const NO_NOTES: readonly SecurityNote[] = [];
const NO_TYPING: readonly string[] = [];

interface GroupConversation extends ThreadActions {
  /** The name from the verified chain (the server's until the chain is verified). */
  name: string;
  view: GroupView | undefined;
  myRole: GroupRole | null;
  members: readonly { username: string; role: GroupRole }[];
  thread: Thread;
  items: readonly MessageItem[];
  lines: readonly SystemLine[];
  security: readonly SecurityNote[];
  typingNames: readonly string[];
  muted: boolean;
  setMuted(muted: boolean): void;
}

export function useGroupConversation(summary: GroupSummary): GroupConversation {
  const client = useClient();
  const state = useClientState();
  const me = state.session?.username ?? '';
  const { id } = summary;
  const view = state.groups[id];
  const items = useMemo(() => selectThread(state, id, ''), [state, id]);
  const timeline = view?.timeline;
  const lines = useMemo(
    () => (timeline ?? []).map((line) => ({ key: `m${line.index}`, afterSeq: line.afterSeq, text: sentence(describeMembershipLine(line, me)), ts: line.ts })),
    [timeline, me],
  );

  const queue = useCallback((body: string) => client.sendTo(id, body), [client, id]);
  const actions = useThreadActions(id, queue, refusal);
  const setMuted = useCallback((muted: boolean) => client.setMuted(id, muted), [client, id]);

  return {
    name: view?.name ?? summary.name,
    view,
    myRole: view ? view.myRole : summary.role,
    members: view?.members ?? [],
    thread: threadOf(state, id),
    items,
    lines,
    security: state.security[id] ?? NO_NOTES,
    typingNames: (state.typing[id] ?? NO_TYPING).filter((u) => u !== me),
    muted: state.muted[id] === true,
    setMuted,
    ...actions,
  };
}

/** A change to the group, run and turned into a sentence when refused. */
export function useGroupActions(conversationId: number): {
  add(usernames: readonly string[], role: 'member' | 'admin'): Promise<string | null>;
  remove(username: string): Promise<string | null>;
  leave(): Promise<string | null>;
  rename(name: string): Promise<string | null>;
  setRole(username: string, role: GroupRole): Promise<string | null>;
  setHistory(history: GroupHistory): Promise<string | null>;
} {
  const client = useClient();
  return useMemo(() => {
    const run = async (change: () => Promise<void>, subject?: string): Promise<string | null> => {
      try {
        await change();
        return null;
      } catch (error) {
        return error instanceof ParleyError ? groupErrorText(error.code, error.message, subject) : groupErrorText(undefined, undefined);
      }
    };
    return {
      add: (usernames, role) => run(() => client.addMembers(conversationId, [...usernames], role), usernames.length === 1 ? usernames[0] : undefined),
      remove: (username) => run(() => client.removeMember(conversationId, username)),
      leave: () => run(() => client.leaveGroup(conversationId)),
      rename: (name) => run(() => client.renameGroup(conversationId, name)),
      setRole: (username, role) => run(() => client.setRole(conversationId, username, role)),
      setHistory: (history) => run(() => client.setGroupHistory(conversationId, history)),
    };
  }, [client, conversationId]);
}

const refusal = (error: ParleyError): string => groupErrorText(error.code, error.message);

/** "you added carol" starts a line as "You added carol"; a username keeps its case (usernames are case sensitive). */
const sentence = (text: string): string => (text.startsWith('you ') ? `Y${text.slice(1)}` : text);

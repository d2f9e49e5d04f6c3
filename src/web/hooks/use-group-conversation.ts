// One group conversation: its verified members and role, its history with the membership lines, sending,
// and what can be changed in it (each change resolves to null, or to a sentence saying why not).
import { useCallback, useMemo, useState } from 'react';
import { describeMembershipLine, ParleyError, selectThread, threadOf, type GroupView, type Thread } from '../../shared/client/index.js';
import type { GroupSummary } from '../../shared/protocol.js';
import { useClient, useClientState } from '../client-context.js';
import { groupErrorText, type GroupHistory, type GroupRole } from '../lib/groups.js';
import type { MessageItem, SecurityNote, SystemLine } from '../types.js';

const NO_NOTES: readonly SecurityNote[] = [];
const NO_TYPING: readonly string[] = [];

interface GroupConversation {
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
  loadingOlder: boolean;
  loadOlder(): void;
  send(body: string): string | null;
  discard(clientMsgId: string): void;
  typing(active: boolean): void;
}

export function useGroupConversation(summary: GroupSummary): GroupConversation {
  const client = useClient();
  const state = useClientState();
  const me = state.session?.username ?? '';
  const { id } = summary;
  const online = state.connection.status === 'online';
  const [loadingOlder, setLoadingOlder] = useState(false);
  const view = state.groups[id];
  const items = useMemo(() => selectThread(state, id, ''), [state, id]);
  const timeline = view?.timeline;
  const lines = useMemo(
    () => (timeline ?? []).map((line) => ({ key: `m${line.index}`, afterSeq: line.afterSeq, text: sentence(describeMembershipLine(line, me)), ts: line.ts })),
    [timeline, me],
  );

  const loadOlder = useCallback(() => {
    if (loadingOlder || !online) return;
    setLoadingOlder(true);
    client
      .loadOlder(id)
      .catch(() => undefined)
      .finally(() => setLoadingOlder(false));
  }, [client, id, loadingOlder, online]);

  const send = useCallback(
    (body: string): string | null => {
      try {
        client.sendTo(id, body);
        return null;
      } catch (error) {
        return error instanceof ParleyError ? groupErrorText(error.code, error.message) : 'The message could not be queued; try again.';
      }
    },
    [client, id],
  );
  const discard = useCallback((clientMsgId: string) => client.discard(clientMsgId), [client]);
  const typing = useCallback((active: boolean) => client.typing(id, active), [client, id]);
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
    loadingOlder,
    loadOlder,
    send,
    discard,
    typing,
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

/** "you added carol" starts a line as "You added carol"; a username keeps its case (usernames are case sensitive). */
const sentence = (text: string): string => (text.startsWith('you ') ? `Y${text.slice(1)}` : text);

// One conversation: what its pane draws, what can be done in it, and what having it open does.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { selectThread, threadOf, type ContactKeys, type Thread } from '../../shared/client/index.js';
import type { ConversationSummary, DirectSummary } from '../../shared/protocol.js';
import { useClient, useClientState } from '../client-context.js';
import type { MessageItem, SecurityNote } from '../types.js';
import { usePageVisible } from './use-page-visible.js';
import { useThreadActions, type ThreadActions } from './use-thread-actions.js';

const NO_NOTES: readonly SecurityNote[] = [];

interface Conversation extends ThreadActions {
  peer: string;
  thread: Thread;
  items: readonly MessageItem[];
  /** The conversation's encryption events, oldest first. */
  security: readonly SecurityNote[];
  keys: ContactKeys | undefined;
  peerTyping: boolean;
}

export function useConversation(summary: DirectSummary): Conversation {
  const client = useClient();
  const state = useClientState();
  const { id, peer } = summary;
  const items = useMemo(() => selectThread(state, id, peer), [state, id, peer]);
  const queue = useCallback((body: string) => client.send(peer, body), [client, peer]);
  const actions = useThreadActions(id, queue);

  return {
    peer,
    thread: threadOf(state, id),
    items,
    security: state.security[id] ?? NO_NOTES,
    keys: state.contacts[peer],
    peerTyping: (state.typing[id] ?? []).includes(peer),
    ...actions,
  };
}

/**
 * What having `open` on screen does: the SDK knows which conversation that is, its first page loads (again
 * once back online if that failed), and what is on screen in a visible tab counts as read, so the peer
 * sees the "seen" mark.
 */
export function useConversationOnScreen(open: ConversationSummary | undefined): void {
  const client = useClient();
  const state = useClientState();
  const visible = usePageVisible();
  const online = state.connection.status === 'online';
  const id = open?.id ?? null;

  useEffect(() => {
    client.setActiveConversation(id);
  }, [client, id]);

  const needsFirstPage = id !== null && threadOf(state, id).loaded === false;
  useEffect(() => {
    if (!needsFirstPage || !online || id === null) return;
    client.loadOlder(id).catch(() => undefined);
  }, [client, id, needsFirstPage, online]);

  const unreadSeq = open && open.lastSeq > open.readSeq ? open.lastSeq : null;
  useEffect(() => {
    if (id === null || unreadSeq === null || !visible) return;
    client.markRead(id, unreadSeq).catch(() => undefined);
  }, [client, id, unreadSeq, visible]);
}

/**
 * The first seq that was unread when `open` opened, for the "New messages" divider: reading it (which
 * starts at once) must not move the divider.
 */
export function useUnreadFrom(open: ConversationSummary | undefined): number | null {
  const id = open?.id ?? null;
  const [opened, setOpened] = useState<{ id: number | null; unreadFrom: number | null }>({ id: null, unreadFrom: null });
  if (opened.id !== id) setOpened({ id, unreadFrom: open && open.unread > 0 ? open.readSeq + 1 : null });
  return opened.id === id ? opened.unreadFrom : null;
}

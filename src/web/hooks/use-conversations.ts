// The conversation list as the sidebar draws it: newest first, own unsent messages counted as the newest.
import { useMemo } from 'react';
import { pendingByPeer, sortWithPending, type OutboxEntry } from '../../shared/client/index.js';
import type { ConversationSummary } from '../../shared/protocol.js';
import { useClientState } from '../client-context.js';

interface Conversations {
  listed: readonly ConversationSummary[];
  /** Each peer's newest unsent message. */
  pending: ReadonlyMap<string, OutboxEntry>;
  /** The conversations in which someone is typing. */
  typingIn: ReadonlySet<number>;
}

export function useConversations(): Conversations {
  const state = useClientState();
  // The user's own unsent messages show in the list at once, and lift their conversation to the top.
  const pending = useMemo(() => pendingByPeer(state.outbox), [state.outbox]);
  const listed = useMemo(() => sortWithPending(state.conversations, pending), [state.conversations, pending]);
  const typingIn = useMemo(() => new Set(Object.keys(state.typing).map(Number)), [state.typing]);
  return { listed, pending, typingIn };
}

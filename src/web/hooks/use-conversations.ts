// The conversation list as the sidebar draws it: newest first, own unsent messages counted as the newest.
import { useMemo } from 'react';
import { pendingByPeer, sortWithPending, type OutboxEntry } from '../../shared/client/index.js';
import type { DirectSummary } from '../../shared/protocol.js';
import { useClientState } from '../client-context.js';

interface Conversations {
  /** Direct conversations only, until the web client shows groups. */
  listed: readonly DirectSummary[];
  /** Each peer's newest unsent message. */
  pending: ReadonlyMap<string, OutboxEntry>;
  /** The conversations in which someone is typing. */
  typingIn: ReadonlySet<number>;
}

export function useConversations(): Conversations {
  const state = useClientState();
  // The user's own unsent messages show in the list at once, and lift their conversation to the top.
  const pending = useMemo(() => pendingByPeer(state.outbox), [state.outbox]);
  const listed = useMemo(() => sortWithPending(state.conversations, pending).filter((c) => c.kind === 'direct'), [state.conversations, pending]);
  const typingIn = useMemo(() => new Set(Object.keys(state.typing).map(Number)), [state.typing]);
  return { listed, pending, typingIn };
}

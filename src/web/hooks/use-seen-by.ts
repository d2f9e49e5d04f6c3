// Who has read a message of yours in a group, from the read marks the SDK keeps (asked for once when the group
// opens, then moved by live `read` events): nothing is asked of the server here, however often the page draws.
import { useMemo } from 'react';
import { seenByOf } from '../../shared/client/index.js';
import { useClientState } from '../client-context.js';

/** The members (not you) whose read mark reached `seq`, of the `of` members who can read it; null without a seq. */
export function useSeenBy(conversationId: number, seq: number | null): { names: readonly string[]; of: number } | null {
  const state = useClientState();
  return useMemo(() => (seq === null ? null : seenByOf(state, conversationId, seq)), [state, conversationId, seq]);
}

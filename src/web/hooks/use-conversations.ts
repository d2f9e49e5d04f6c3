// The conversation list as the sidebar draws it: newest first, own unsent messages counted as the newest,
// and for groups the verified name, whether they are muted and whether an unread message mentions you.
import { useMemo } from 'react';
import { mentions, type OutboxEntry } from '../../shared/client/index.js';
import type { ConversationSummary } from '../../shared/protocol.js';
import { useClientState } from '../client-context.js';
import { conversationKey, type GroupListing } from '../components/conversation-list.js';

interface Conversations {
  listed: readonly ConversationSummary[];
  /** Each conversation's newest unsent message, by conversationKey. */
  pending: ReadonlyMap<string, OutboxEntry>;
  groups: ReadonlyMap<number, GroupListing>;
  /** The conversations in which someone is typing. */
  typingIn: ReadonlySet<number>;
}

export function useConversations(): Conversations {
  const state = useClientState();
  const me = state.session?.username ?? '';
  // The user's own unsent messages show in the list at once, and lift their conversation to the top.
  const pending = useMemo(() => {
    const newest = new Map<string, OutboxEntry>();
    for (const entry of state.outbox) {
      const key = entry.to ?? `#${entry.conversationId ?? 0}`;
      if ((newest.get(key)?.createdAt ?? -1) <= entry.createdAt) newest.set(key, entry);
    }
    return newest;
  }, [state.outbox]);
  const listed = useMemo(() => {
    const at = (c: ConversationSummary) => Math.max(c.lastMessage?.ts ?? -1, pending.get(conversationKey(c))?.createdAt ?? -1);
    return [...state.conversations].sort((a, b) => at(b) - at(a) || b.lastSeq - a.lastSeq || a.id - b.id);
  }, [state.conversations, pending]);
  const views = state.groups;
  const muted = state.muted;
  const groups = useMemo(() => {
    const listing = new Map<number, GroupListing>();
    for (const c of state.conversations) {
      if (c.kind !== 'group') continue;
      const lastMentions = c.unread > 0 && c.lastMessage !== null && c.lastMessage.from !== me && mentions(c.lastMessage.body, me);
      listing.set(c.id, {
        name: views[c.id]?.name ?? c.name,
        muted: muted[c.id] === true,
        mentioned: lastMentions || state.notices.some((n) => n.conversationId === c.id && n.mention === true),
      });
    }
    return listing;
  }, [state, views, muted, me]);
  const typingIn = useMemo(() => new Set(Object.keys(state.typing).map(Number)), [state.typing]);
  return { listed, pending, groups, typingIn };
}

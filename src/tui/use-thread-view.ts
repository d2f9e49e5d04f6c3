// The scrolled view of one conversation, shared by the direct and group chat screens: which entries are on
// screen, older pages on PageUp, the first unread message placed near the top, and read marks for what was seen.
import { useEffect, useMemo, useState } from 'react';
import { threadOf, type ClientState, type ParleyClient, type ThreadItem } from '../shared/client/index.js';
import type { Status } from './commands.js';
import { countFitting, entriesOf, visibleSlice, type FlowLine } from './thread-layout.js';

interface Options {
  client: ParleyClient;
  state: ClientState;
  conversationId: number;
  items: readonly ThreadItem[];
  /** A group's membership lines, in the flow after the message each names. */
  lines?: readonly FlowLine[];
  /** Rows the entries may use. */
  budget: number;
  columns: number;
  say(status: Status | null): void;
}

export function useThreadView({ client, state, conversationId, items, lines, budget, columns, say }: Options) {
  const [fromEnd, setFromEnd] = useState(0);
  const [loading, setLoading] = useState(false);
  const summary = state.conversations.find((c) => c.id === conversationId);
  // What was unread when the chat opened: the "new messages" divider goes above it until the user sends.
  const [since, setSince] = useState(() => (summary && summary.lastSeq > summary.readSeq ? summary.readSeq : null));
  const thread = threadOf(state, conversationId);
  // Membership lines from before the oldest loaded message wait for its page, so the flow never has a gap.
  const oldest = thread.messages[0]?.seq;
  const floor = thread.more && oldest !== undefined ? oldest - 1 : 0;
  const entries = useMemo(() => entriesOf(items, since, lines, floor), [items, since, lines, floor]);
  const online = state.connection.status === 'online';

  // Scrolling stops where the oldest loaded message sits on the top row.
  const firstPage = countFitting(entries, 0, budget, columns);
  const scrolled = Math.min(fromEnd, Math.max(entries.length - firstPage, 0));
  const { start, end, over } = visibleSlice(entries, scrolled, budget, columns);
  const step = Math.max(end - start - 1, 1);

  // A chat with unread messages opens with the first of them near the top, once they are loaded.
  const firstUnread = entries.findIndex((e) => e.firstUnread);
  const [placed, setPlaced] = useState(since === null);
  useEffect(() => {
    if (placed || (firstUnread < 0 && !thread.loaded)) return;
    if (firstUnread >= 0) setFromEnd(Math.max(entries.length - firstUnread - countFitting(entries, firstUnread, budget, columns), 0));
    setPlaced(true);
  }, [placed, firstUnread, thread.loaded, entries, budget, columns]);

  // Read is what was on screen: up to the newest message shown, not what lies below it (scrolled up, or still unplaced).
  const seenSeq = Math.max(0, ...entries.slice(start, end).map((e) => (e.kind === 'message' ? (e.item.seq ?? 0) : 0)));
  const readSeq = summary?.readSeq ?? 0;
  useEffect(() => {
    if (placed && online && seenSeq > readSeq) void client.markRead(conversationId, seenSeq);
  }, [client, conversationId, seenSeq, readSeq, online, placed]);

  const older = async () => {
    if (start > 0) {
      setFromEnd(scrolled + step);
      return;
    }
    if (thread.loaded && !thread.more) {
      say({ text: 'This is the beginning of the conversation.', error: false });
      return;
    }
    setLoading(true);
    try {
      await client.loadOlder(conversationId);
      setFromEnd(scrolled + step);
      say(null);
    } catch {
      say({ text: 'Older messages could not be loaded right now; try again.', error: true });
    } finally {
      setLoading(false);
    }
  };

  return {
    visible: entries.slice(start, end),
    over,
    scrolled,
    loading,
    /** Older entries exist above the screen (loaded or not). */
    above: start > 0 || thread.more,
    older,
    newer: () => setFromEnd(Math.max(0, scrolled - step)),
    /** After the user sent: back to the newest, and the unread divider goes. */
    sent: () => {
      setFromEnd(0);
      setSince(null);
    },
  };
}

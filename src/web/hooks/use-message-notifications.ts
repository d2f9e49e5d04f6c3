// Watches the client for messages from others and raises a desktop notice for each while the tab is hidden
// (in a muted group, only for messages that mention the user).
import { useEffect, useRef } from 'react';
import { mentions, type ClientState } from '../../shared/client/index.js';
import { useClient } from '../client-context.js';
import { showMessageNotice, type NotifyPrefs } from '../lib/notifications.js';

/**
 * Compares each snapshot with the last seen one: a conversation whose last message moved forward and came
 * from the peer is news. The first catch-up after connecting is history, not news, so it primes silently.
 */
export function useMessageNotifications(prefs: NotifyPrefs, onOpen: (conversationId: number) => void): void {
  const client = useClient();
  const open = useRef(onOpen);
  open.current = onOpen;
  const chosen = useRef(prefs);
  chosen.current = prefs;

  useEffect(() => {
    const seen = new Map<number, number>();
    let primed = false;
    const check = (state: ClientState) => {
      const me = state.session?.username;
      if (!me) return;
      const ready = state.connection.status === 'online';
      for (const c of state.conversations) {
        const before = seen.get(c.id);
        seen.set(c.id, c.lastSeq);
        const last = c.lastMessage;
        if (!primed || !last || last.from === me || (before !== undefined && last.seq <= before)) continue;
        if (document.visibilityState !== 'hidden' || c.readSeq >= last.seq) continue;
        const group =
          c.kind === 'group' ? { name: state.groups[c.id]?.name ?? c.name, muted: state.muted[c.id] === true, mention: mentions(last.body, me) } : undefined;
        showMessageNotice({ conversationId: c.id, from: last.from, body: last.body, ...(group ? { group } : {}) }, chosen.current, (id) => open.current(id));
      }
      if (ready) primed = true;
    };
    check(client.getSnapshot());
    return client.subscribe(() => check(client.getSnapshot()));
  }, [client]);
}

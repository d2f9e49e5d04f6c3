// The conversation the address names (#/chat/NAME or #/group/ID): found in the list, or looked up and
// opened when the list has none yet (a link, a reload before the list loaded), and the ways to open another.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { ParleyError } from '../../shared/client/index.js';
import type { ConversationSummary, DirectSummary } from '../../shared/protocol.js';
import { useClient, useClientState } from '../client-context.js';
import { openErrorText } from '../lib/messages.js';
import { useHashRoute, type HashRoute } from './use-hash-route.js';

interface RoutedConversation {
  route: HashRoute;
  /** The open conversation; undefined for the list, or while the named one is being opened. */
  active: ConversationSummary | undefined;
  /** Why the conversation in the address could not be opened (an unknown name in a link). */
  routeError: string | null;
  select(conversationId: number): void;
  /** Opens the conversation with `username`; resolves to a sentence when it could not. */
  openUser(username: string): Promise<string | null>;
}

export function useRoutedConversation(): RoutedConversation {
  const client = useClient();
  const state = useClientState();
  const { connection, conversations } = state;
  const direct = useMemo(() => conversations.filter((c): c is DirectSummary => c.kind === 'direct'), [conversations]);
  const route = useHashRoute();
  const [routeError, setRouteError] = useState<string | null>(null);
  const active: ConversationSummary | undefined =
    route.peer !== null
      ? direct.find((c) => c.peer === route.peer)
      : route.group !== null
        ? conversations.find((c) => c.kind === 'group' && c.id === route.group)
        : undefined;

  useEffect(() => {
    if (route.peer !== null || route.group !== null) setRouteError(null);
  }, [route.peer, route.group]);

  const missingPeer = route.peer !== null && active === undefined && connection.status === 'online' ? route.peer : null;
  useEffect(() => {
    if (missingPeer === null) return;
    let current = true;
    client.openConversation(missingPeer).catch((error: unknown) => {
      if (!current) return;
      setRouteError(openErrorText(error instanceof ParleyError ? error.code : undefined, missingPeer));
      route.go(null, { replace: true });
    });
    return () => {
      current = false;
    };
  }, [client, missingPeer, route]);

  // A group in the address that the list (loaded once online) does not hold: not ours, or a mistyped link.
  const listLoaded = connection.status === 'online' && state.session !== null;
  const missingGroup = route.group !== null && active === undefined && listLoaded && conversations.length > 0 ? route.group : null;
  useEffect(() => {
    if (missingGroup === null) return;
    const timer = setTimeout(() => {
      setRouteError('That group could not be opened: you are not in it, or it does not exist.');
      route.go(null, { replace: true });
    }, 3_000);
    return () => clearTimeout(timer);
  }, [missingGroup, route]);

  const select = useCallback(
    (id: number) => {
      const conversation = conversations.find((c) => c.id === id);
      if (conversation?.kind === 'direct') route.go(conversation.peer);
      else if (conversation?.kind === 'group') route.go({ group: conversation.id });
    },
    [conversations, route],
  );

  const openUser = useCallback(
    async (username: string): Promise<string | null> => {
      if (direct.some((c) => c.peer === username)) {
        route.go(username);
        return null;
      }
      try {
        await client.openConversation(username);
        route.go(username);
        return null;
      } catch (error) {
        return openErrorText(error instanceof ParleyError ? error.code : undefined, username);
      }
    },
    [client, route, direct],
  );

  return { route, active, routeError, select, openUser };
}

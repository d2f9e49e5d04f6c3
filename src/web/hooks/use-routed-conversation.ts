// The conversation the address names (#/chat/NAME): found in the list, or looked up and opened when the
// list has none yet (a link, a reload before the list loaded), and the ways to open another.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { ParleyError } from '../../shared/client/index.js';
import type { DirectSummary } from '../../shared/protocol.js';
import { useClient, useClientState } from '../client-context.js';
import { openErrorText } from '../lib/messages.js';
import { useHashRoute, type HashRoute } from './use-hash-route.js';

interface RoutedConversation {
  route: HashRoute;
  /** The open conversation; undefined for the list, or while the named one is being opened. */
  active: DirectSummary | undefined;
  /** Why the conversation in the address could not be opened (an unknown name in a link). */
  routeError: string | null;
  select(conversationId: number): void;
  /** Opens the conversation with `username`; resolves to a sentence when it could not. */
  openUser(username: string): Promise<string | null>;
}

export function useRoutedConversation(): RoutedConversation {
  const client = useClient();
  const state = useClientState();
  const { connection } = state;
  // Direct conversations only, until the web client shows groups.
  const conversations = useMemo(() => state.conversations.filter((c) => c.kind === 'direct'), [state.conversations]);
  const route = useHashRoute();
  const [routeError, setRouteError] = useState<string | null>(null);
  const active = route.peer === null ? undefined : conversations.find((c) => c.peer === route.peer);

  useEffect(() => {
    if (route.peer !== null) setRouteError(null);
  }, [route.peer]);

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

  const select = useCallback(
    (id: number) => {
      const peer = conversations.find((c) => c.id === id)?.peer;
      if (peer !== undefined) route.go(peer);
    },
    [conversations, route],
  );

  const openUser = useCallback(
    async (username: string): Promise<string | null> => {
      if (conversations.some((c) => c.peer === username)) {
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
    [client, route, conversations],
  );

  return { route, active, routeError, select, openUser };
}

// What a member picker offers while the user types: people they already talk to, then people online
// whose names match, and the check that a typed username exists.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { ParleyError } from '../../shared/client/index.js';
import { useClient, useClientState } from '../client-context.js';
import { groupErrorText } from '../lib/groups.js';

interface PeoplePicker {
  query: string;
  setQuery(query: string): void;
  suggestions: readonly string[];
  /** Null when the username exists, else a sentence. */
  check(username: string): Promise<string | null>;
}

export function usePeoplePicker(): PeoplePicker {
  const client = useClient();
  const state = useClientState();
  const [query, setQuery] = useState('');
  const [online, setOnline] = useState<readonly string[]>([]);
  const me = state.session?.username ?? '';
  const connected = state.connection.status === 'online';
  const needle = query.trim();

  const contacts = useMemo(() => {
    const peers = state.conversations.flatMap((c) => (c.kind === 'direct' ? [c.peer] : []));
    const lower = needle.toLowerCase();
    return peers.filter((p) => p !== me && p.toLowerCase().includes(lower)).sort((a, b) => a.localeCompare(b));
  }, [state.conversations, needle, me]);

  useEffect(() => {
    if (!connected) return;
    let live = true;
    // A short pause, so typing a name asks once rather than once per letter.
    const timer = setTimeout(() => {
      client.activeUsers({ query: needle, limit: 10 }).then(
        (page) => live && setOnline(page.users.filter((u) => u !== me)),
        () => undefined,
      );
    }, 150);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [client, connected, needle, me]);

  const suggestions = useMemo(() => [...new Set([...contacts, ...online])], [contacts, online]);

  const check = useCallback(
    async (username: string): Promise<string | null> => {
      if (username === me) return 'You are in the group already.';
      try {
        await client.lookup(username);
        return null;
      } catch (error) {
        return groupErrorText(error instanceof ParleyError ? error.code : undefined, undefined, username);
      }
    },
    [client, me],
  );

  return { query, setQuery, suggestions, check };
}

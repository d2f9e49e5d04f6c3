// Who is online, as far as this client knows: presence is known only while connected.
import { useActiveUsers } from '../../shared/react/active-users.js';
import { useClient, useClientState } from '../client-context.js';

const NOBODY: readonly string[] = [];
/** How many of the people online the sidebar lists; the rest are found with the search box. */
const ONLINE_PAGE_SIZE = 100;

interface Online {
  /** False while connecting or reconnecting: presence is unknown then. */
  connected: boolean;
  /** Contacts online (live presence events): the green dots. */
  contacts: readonly string[];
}

export function useOnline(): Online {
  const state = useClientState();
  const connected = state.connection.status === 'online';
  // Stale green dots would promise more than we know.
  return { connected, contacts: connected ? state.online : NOBODY };
}

interface EveryoneOnline {
  /** A page of everyone online, from the server (presence events come from contacts only). */
  users: readonly string[];
  /** Everyone online, the page's names included. */
  total: number;
}

/** A paged request, refreshed while shown and whenever a contact's presence changes: call it once per screen. */
export function useEveryoneOnline(): EveryoneOnline {
  const client = useClient();
  const state = useClientState();
  const { connected, contacts } = useOnline();
  const page = useActiveUsers(client, connected && state.session !== null, state.online, ONLINE_PAGE_SIZE);
  return { users: page?.users ?? contacts, total: page?.total ?? contacts.length };
}

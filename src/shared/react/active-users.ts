// Both clients' list of everyone online: a page from the server, refreshed while it shows (React, no DOM).
import { useEffect, useState } from 'react';
import type { ParleyClient } from '../client/index.js';

/** Contacts' presence refreshes the list at once; everyone else's shows within this. */
const ACTIVE_USERS_REFRESH_MS = 5_000;

interface ActiveUsers {
  users: readonly string[];
  /** Everyone online, the page's names included. */
  total: number;
}

/**
 * The first `pageSize` users online, asked for while `signedIn`, again whenever `changed` changes (the
 * contacts' presence) and every ACTIVE_USERS_REFRESH_MS; null until the first answer, or when signed out.
 */
export function useActiveUsers(client: ParleyClient, signedIn: boolean, changed: unknown, pageSize: number): ActiveUsers | null {
  const [page, setPage] = useState<ActiveUsers | null>(null);
  useEffect(() => {
    if (!signedIn) {
      setPage(null);
      return;
    }
    let live = true;
    const refresh = () => {
      client.activeUsers({ limit: pageSize }).then(
        (result) => live && setPage({ users: result.users, total: result.total ?? result.users.length }),
        // Offline or timed out: the UI says so, and the next refresh tries again.
        () => undefined,
      );
    };
    refresh();
    const timer = setInterval(refresh, ACTIVE_USERS_REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [client, signedIn, changed, pageSize]);
  return page;
}

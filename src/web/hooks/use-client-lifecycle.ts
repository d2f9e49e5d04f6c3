// One SDK client per sign-in: a fresh one after every sign-in and sign-out, and a retry while unreachable.
import { useCallback, useEffect, useState } from 'react';
import type { ParleyClient } from '../../shared/client/index.js';
import { createClient } from '../lib/create-client.js';

/** How long the page waits before a fresh client tries a server it could not reach. */
const RETRY_MS = 3_000;

interface ClientLifecycle {
  /** The current client; null right after a restart, until its replacement exists. */
  client: ParleyClient | null;
  /** Counts the clients made: a new value is a new client, and screens keyed by it start afresh. */
  generation: number;
  /** The first connection of the current client failed; another is tried shortly. */
  unreachable: boolean;
  /** Closes the client and makes a new one. */
  restart(): void;
}

/**
 * The server authenticates a connection from the cookie during the WebSocket upgrade, so a fresh
 * connection is how the page picks up a new session.
 */
export function useClientLifecycle(): ClientLifecycle {
  const [generation, setGeneration] = useState(0);
  const [current, setCurrent] = useState<{ client: ParleyClient; generation: number } | null>(null);
  const [unreachable, setUnreachable] = useState(false);

  useEffect(() => {
    const next = createClient();
    let retry: ReturnType<typeof setTimeout> | undefined;
    let live = true;
    setCurrent({ client: next, generation });
    next.connect().then(
      () => {
        if (live) setUnreachable(false);
      },
      () => {
        // A client closed on purpose (sign-in, sign-out, unmount) also ends up here and must not retry.
        if (!live) return;
        // The first connection failed (server down, network gone): try again with a fresh client shortly.
        setUnreachable(true);
        retry = setTimeout(() => setGeneration((g) => g + 1), RETRY_MS);
      },
    );
    return () => {
      live = false;
      clearTimeout(retry);
      void next.exit();
    };
  }, [generation]);

  const restart = useCallback(() => setGeneration((g) => g + 1), []);
  // Right after a restart the previous client's state is stale (signed out, or not yet signed in): never show it.
  const client = current?.generation === generation ? current.client : null;
  return { client, generation, unreachable, restart };
}

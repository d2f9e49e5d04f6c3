// The SDK's storage in a browser: localStorage for the outbox and the cursor, and never a session token.
import type { StorageAdapter } from '../../shared/client/index.js';

/**
 * The session lives only in an HttpOnly cookie, out of reach of page scripts; any key that looks like a
 * token is refused here as a second line of defence should the SDK ever be configured to remember one.
 * Storage may be unavailable (private windows, quota): the client then simply forgets between reloads.
 */
export function browserStorage(storage: Storage | undefined = globalThis.localStorage): StorageAdapter {
  const allowed = (key: string) => !/token/i.test(key);
  return {
    getItem(key) {
      if (!allowed(key)) return null;
      try {
        return storage?.getItem(key) ?? null;
      } catch {
        return null;
      }
    },
    setItem(key, value) {
      if (!allowed(key)) return;
      try {
        storage?.setItem(key, value);
      } catch {
        // full or blocked: the outbox still lives in memory for this page
      }
    },
    removeItem(key) {
      try {
        storage?.removeItem(key);
      } catch {
        // nothing to do: the key could not have been written either
      }
    },
  };
}

// What a ParleyClient is configured with, and the defaults the SDK fills in.
import type { BackoffOptions } from './backoff.js';
import type { SearchStore } from './search-store.js';
import type { WebSocketConstructor } from './server-socket.js';
import { memoryStorage, type StorageAdapter } from './storage.js';

export interface ParleyClientOptions {
  /** `ws://host:port/ws` or `wss://…/ws`. */
  url: string;
  /** `WebSocket` from the `ws` package in Node, `globalThis.WebSocket` in a browser. */
  WebSocket: WebSocketConstructor;
  /** Keeps the token and the outbox across restarts; in memory when omitted. */
  storage?: StorageAdapter;
  /** Store the session token in `storage` (default true). The web client, logged in by cookie, may turn it off. */
  rememberToken?: boolean;
  /**
   * Where the wrap key (which unlocks the user's private keys) is kept so a resumed session needs no
   * password: the terminal client's 0600 profile, the web client's sessionStorage. Omitted: memory only,
   * and a session resumed by token is 'locked' until `unlock(password)`.
   */
  keyStorage?: StorageAdapter;
  /** Sent in hello, e.g. "parley-tui/0.1". */
  clientName?: string;
  /** Device label the server lists next to the session. */
  device?: string;
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  backoff?: BackoffOptions;
  /** How many times a sign-in (register, login, resume) refused with SERVER_BUSY is sent again before the error is shown; 4 by default. */
  busyRetries?: number;
  /** How long a typing indicator lasts without a fresh typing event. */
  typingTtlMs?: number;
  /** At most one typing request per conversation in this interval. */
  typingThrottleMs?: number;
  historyPageSize?: number;
  /**
   * Opens the device's search index for a user (terminal: an SQLite file beside the profile; web:
   * IndexedDB). Omitted: an index in memory, of what this client loaded since it started.
   */
  searchStore?: (username: string) => SearchStore;
  now?: () => number;
}

type Optional = 'backoff' | 'device' | 'clientName' | 'keyStorage' | 'searchStore';

/** The options with every default filled in. */
export type ResolvedOptions = Required<Omit<ParleyClientOptions, Optional>> & Pick<ParleyClientOptions, Optional>;

export const resolveOptions = (options: ParleyClientOptions): ResolvedOptions => ({
  storage: memoryStorage(),
  rememberToken: true,
  requestTimeoutMs: 15_000,
  connectTimeoutMs: 5_000,
  typingTtlMs: 5_000,
  typingThrottleMs: 3_000,
  historyPageSize: 50,
  busyRetries: 4,
  now: Date.now,
  ...options,
});

// Where the SDK keeps what must survive a restart (session token, outbox), behind the Web Storage shape.

/** The subset of the Web Storage API the SDK uses: browsers pass `localStorage`, the TUI a profile file. */
export interface StorageAdapter {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** Keys the SDK writes; per-user data carries the username because usernames are case sensitive and distinct. */
export const STORAGE_KEYS = {
  token: 'parley.token',
  outbox: (username: string) => `parley.outbox.${username}`,
  /** The key that unlocks the user's private keys; only in the storage passed as `keyStorage`. */
  wrapKey: (username: string) => `parley.wrapKey.${username}`,
  /** Contacts' remembered key fingerprints and whether they were verified (trust on first use). */
  contacts: (username: string) => `parley.contacts.${username}`,
  /** Every contact key version this user accepted, by username and key version, and whether the newest was verified. */
  pins: (username: string) => `parley.pins.${username}`,
  /** The server database's generation last seen at this address (it changes when a backup is restored). */
  generation: (address: string) => `parley.generation.${address}`,
  /** The members pinned for each conversation when this client first saw it. */
  conversations: (username: string) => `parley.conversations.${username}`,
  /** Each group's pinned id and the membership changes this device verified, by conversation id. */
  groups: (username: string) => `parley.groups.${username}`,
  /** The conversations the user muted (no notices unless they are mentioned). */
  muted: (username: string) => `parley.muted.${username}`,
  /** The realm id a server (by host and port) gave the first time: a later, different one is refused. */
  realm: (address: string) => `parley.realm.${address}`,
  /** The newest key derivation version this account used here: the server cannot make it go back. */
  kdfVersion: (address: string, username: string) => `parley.kdfVersion.${address}.${username}`,
} as const;

/** A storage that forgets everything when the process ends (the default, and handy in tests). */
export function memoryStorage(initial: Record<string, string> = {}): StorageAdapter & { dump(): Record<string, string> } {
  const map = new Map(Object.entries(initial));
  return {
    getItem: (key) => map.get(key) ?? null,
    setItem: (key, value) => void map.set(key, value),
    removeItem: (key) => void map.delete(key),
    dump: () => Object.fromEntries(map),
  };
}

/** A JSON record the SDK wrote, or `fallback` when there is none or it cannot be read (first use again). */
export function readJson<T>(storage: StorageAdapter, key: string, fallback: T): T {
  try {
    const text = storage.getItem(key);
    return text === null ? fallback : (JSON.parse(text) as T);
  } catch {
    return fallback;
  }
}

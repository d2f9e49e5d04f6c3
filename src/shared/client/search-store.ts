// Where the search index keeps its rows: an interface each platform implements (SQLite file, IndexedDB), and memory.

/** One indexed message as stored: only ids and times in the clear; text and names sealed, words blinded. */
export interface SearchRow {
  conversationId: number;
  seq: number;
  cursor: number;
  ts: number;
  /** The message's sender, peer and text, sealed with the index's text key (search.ts). */
  sealed: Uint8Array;
}

export interface SearchEntry extends SearchRow {
  /** Blinded tokens (hex HMACs) of every indexed word prefix. */
  tokens: readonly string[];
}

export interface SearchStore {
  /** A small named value (the sealed index key, how far history was indexed); null when never set. */
  get(name: string): Promise<string | null>;
  set(name: string, value: string): Promise<void>;
  /** Adds entries; one already stored for the same conversation and seq is left as it is. */
  add(entries: readonly SearchEntry[]): Promise<void>;
  /** Rows holding every token, newest first (by ts, then cursor), at most `limit`. */
  find(tokens: readonly string[], options: { conversationId?: number; limit: number }): Promise<SearchRow[]>;
  /** Forgets every row and value (a new index key, a server restored from a backup). */
  clear(): Promise<void>;
  close(): Promise<void>;
}

export const newestFirst = (a: SearchRow, b: SearchRow): number => b.ts - a.ts || b.cursor - a.cursor;

/** Kept in memory only: the default, so a client without a device store still searches what it loaded. */
export function memorySearchStore(): SearchStore {
  const values = new Map<string, string>();
  const rows = new Map<string, SearchEntry>();
  return {
    get: async (name) => values.get(name) ?? null,
    set: async (name, value) => void values.set(name, value),
    add: async (entries) => {
      for (const entry of entries) {
        const key = `${entry.conversationId}:${entry.seq}`;
        if (!rows.has(key)) rows.set(key, entry);
      }
    },
    find: async (tokens, { conversationId, limit }) =>
      [...rows.values()]
        .filter((r) => (conversationId === undefined || r.conversationId === conversationId) && tokens.every((t) => r.tokens.includes(t)))
        .sort(newestFirst)
        .slice(0, limit)
        .map(({ tokens: _tokens, ...row }) => row),
    clear: async () => {
      values.clear();
      rows.clear();
    },
    close: async () => undefined,
  };
}

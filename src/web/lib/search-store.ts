// The web client's search index: IndexedDB (through idb) holding sealed rows and blinded tokens, one database per user.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { newestFirst, type SearchEntry, type SearchRow, type SearchStore } from '../../shared/client/index.js';

interface SearchSchema extends DBSchema {
  meta: { key: string; value: { name: string; value: string } };
  rows: { key: [number, number]; value: SearchEntry; indexes: { token: string } };
}

const searchDbName = (username: string): string => `parley-search.${username}`;

/**
 * Rows are keyed by (conversation, seq); a multi-entry index on the blinded tokens finds the rows holding
 * the first one, and the others are checked on those rows, so a search reads only candidate rows.
 */
export function indexedDbSearchStore(username: string): SearchStore {
  const opened: Promise<IDBPDatabase<SearchSchema>> = openDB<SearchSchema>(searchDbName(username), 1, {
    upgrade(db) {
      db.createObjectStore('meta', { keyPath: 'name' });
      db.createObjectStore('rows', { keyPath: ['conversationId', 'seq'] }).createIndex('token', 'tokens', { multiEntry: true });
    },
  });
  return {
    get: async (name) => (await (await opened).get('meta', name))?.value ?? null,
    set: async (name, value) => void (await (await opened).put('meta', { name, value })),
    add: async (entries) => {
      const tx = (await opened).transaction('rows', 'readwrite');
      // Only new rows: an entry already stored for the same message stays as it is.
      await Promise.all(entries.map(async (entry) => ((await tx.store.getKey([entry.conversationId, entry.seq])) === undefined ? tx.store.put({ ...entry, tokens: [...entry.tokens] }) : undefined)));
      await tx.done;
    },
    find: async (tokens, { conversationId, limit }) => {
      const [first, ...rest] = tokens;
      if (first === undefined) return [];
      const candidates = await (await opened).getAllFromIndex('rows', 'token', first);
      return candidates
        .filter((r) => (conversationId === undefined || r.conversationId === conversationId) && rest.every((t) => r.tokens.includes(t)))
        .sort(newestFirst)
        .slice(0, limit)
        .map(({ conversationId: c, seq, cursor, ts, sealed }): SearchRow => ({ conversationId: c, seq, cursor, ts, sealed }));
    },
    clear: async () => {
      const tx = (await opened).transaction(['meta', 'rows'], 'readwrite');
      await Promise.all([tx.objectStore('meta').clear(), tx.objectStore('rows').clear(), tx.done]);
    },
    close: async () => (await opened).close(),
  };
}

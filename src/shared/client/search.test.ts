// The search index's words and keys: folding, prefixes, blinded tokens, sealed rows, and a key that must match.
import { describe, expect, it } from 'vitest';
import { blindToken, searchKeys } from '../crypto/index.js';
import type { ClientMessage } from './e2e.js';
import { SearchIndex } from './search.js';
import { memorySearchStore, type SearchEntry, type SearchStore } from './search-store.js';
import { fold, indexTerms, queryTerms, snippet } from './search-text.js';

const wrapKey = new Uint8Array(32).fill(7);
let seq = 0;
const message = (body: string, from = 'alice', to = 'bob', conversationId = 1): ClientMessage => {
  seq++;
  return { cursor: seq, conversationId, seq, from, to, clientMsgId: `c${seq}`.padEnd(16, '0'), body, ts: 1_000 + seq };
};

/** A memory store that also hands out what was written to it, as a file or IndexedDB would hold it. */
function recordingStore(): SearchStore & { written: SearchEntry[]; values: Map<string, string> } {
  const inner = memorySearchStore();
  const written: SearchEntry[] = [];
  const values = new Map<string, string>();
  return {
    ...inner,
    written,
    values,
    add: async (entries) => {
      written.push(...entries);
      await inner.add(entries);
    },
    set: async (name, value) => {
      values.set(name, value);
      await inner.set(name, value);
    },
    clear: async () => {
      written.length = 0;
      values.clear();
      await inner.clear();
    },
  };
}

describe('words', () => {
  it('folds case and accents, so a search for "elan" finds "Élan" and "strasse" finds "Straße"', () => {
    expect(fold('Élan')).toBe('elan');
    expect(fold('STRAẞE')).toBe('strasse');
    expect(fold('Crème Brûlée')).toBe('creme brulee');
  });

  it('indexes every prefix of two letters or more, and searches words of two letters or more', () => {
    expect([...indexTerms('Hello, a world!')].sort()).toEqual(['he', 'hel', 'hell', 'hello', 'wo', 'wor', 'worl', 'world']);
    expect(queryTerms('  Wor  x  HELL wor ')).toEqual(['wor', 'hell']);
    expect(queryTerms('a ! ?')).toEqual([]);
  });

  it('cuts a snippet around the first match and marks each matched word', () => {
    const text = `${'filler '.repeat(30)}the Pancake recipe\nis here`;
    const cut = snippet(text, ['pan', 'rec'], 40);
    expect(cut.text.startsWith('…')).toBe(true);
    expect(cut.text).not.toContain('\n');
    expect(cut.marks.map(([a, b]) => cut.text.slice(a, b))).toEqual(['Pancake', 'recipe']);
  });
});

describe('SearchIndex', () => {
  it('finds messages by every word (any case, accents, prefixes), newest first, with peer and sender', async () => {
    const index = await SearchIndex.open(memorySearchStore(), 'bob', wrapKey);
    await index.add([message('Café at noon?'), message('the cafe is closed', 'bob', 'alice'), message('nothing here')]);
    const hits = await index.search('CAF');
    expect(hits.map((h) => h.snippet)).toEqual(['the cafe is closed', 'Café at noon?']);
    expect(hits.map((h) => [h.peer, h.from])).toEqual([
      ['alice', 'bob'],
      ['alice', 'alice'],
    ]);
    expect(await index.search('cafe noon')).toHaveLength(1);
    expect(await index.search('cafe midnight')).toEqual([]);
    expect(await index.search('cafe', { limit: 1 })).toHaveLength(1);
  });

  it('filters by conversation and skips messages that did not decrypt', async () => {
    const index = await SearchIndex.open(memorySearchStore(), 'bob', wrapKey);
    const failed: ClientMessage = { ...message('', 'carol', 'bob', 2), failure: { reason: 'tampered', explanation: 'x' } };
    await index.add([message('lunch today', 'alice', 'bob', 1), message('lunch tomorrow', 'carol', 'bob', 2), failed]);
    expect((await index.search('lunch', { conversationId: 2 })).map((h) => h.peer)).toEqual(['carol']);
    expect(await index.search('lunch')).toHaveLength(2);
  });

  it('refuses a query without a word of two letters, in plain words', async () => {
    const index = await SearchIndex.open(memorySearchStore(), 'bob', wrapKey);
    await expect(index.search(' a ')).rejects.toThrow('Type a word of at least two letters');
  });

  it('stores no word of a message in the clear: sealed text and HMAC tokens only', async () => {
    const store = recordingStore();
    const index = await SearchIndex.open(store, 'bob', wrapKey);
    await index.add([message('zanzibarish secret plans')]);
    const [entry] = store.written;
    const stored = JSON.stringify({ ...entry, sealed: Buffer.from(entry!.sealed).toString('latin1') });
    expect(stored).not.toMatch(/zanzibar|secret|plans/);
    expect(entry!.tokens.every((t) => /^[0-9a-f]{24}$/.test(t))).toBe(true);
    expect(entry!.tokens).toHaveLength(indexTerms('zanzibarish secret plans').size);
    // The tokens are keyed: the same word under another key blinds differently.
    const other = searchKeys(new Uint8Array(32).fill(1)).token;
    expect(entry!.tokens).not.toContain(blindToken(other, 'secret'));
  });

  it('reopens with the same wrap key; under another wrap key it starts empty, and rekey keeps it', async () => {
    const store = recordingStore();
    await (await SearchIndex.open(store, 'bob', wrapKey)).add([message('keep this')]);
    expect(await (await SearchIndex.open(store, 'bob', wrapKey)).search('keep')).toHaveLength(1);
    const newWrapKey = new Uint8Array(32).fill(9);
    const same = await SearchIndex.open(store, 'bob', wrapKey);
    await same.rekey(newWrapKey);
    expect(await (await SearchIndex.open(store, 'bob', newWrapKey)).search('keep')).toHaveLength(1);
    expect(await (await SearchIndex.open(store, 'bob', new Uint8Array(32).fill(3))).search('keep')).toEqual([]);
  });

  it('starts empty when the server database generation changed', async () => {
    const store = memorySearchStore();
    await (await SearchIndex.open(store, 'bob', wrapKey, 'g1')).add([message('before restore')]);
    expect(await (await SearchIndex.open(store, 'bob', wrapKey, 'g1')).search('restore')).toHaveLength(1);
    expect(await (await SearchIndex.open(store, 'bob', wrapKey, 'g2')).search('restore')).toEqual([]);
  });
});

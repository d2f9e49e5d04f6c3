// The device's search index over decrypted messages: sealed text, blinded words, opened only with the wrap key.
import { ParleyError } from '../errors.js';
import { blindToken, newSearchKey, openEntry, openSearchKey, sealEntry, sealSearchKey, searchKeys, type SearchKeys } from '../crypto/index.js';
import type { ClientMessage } from './e2e-text.js';
import { indexTerms, queryTerms, snippet } from './search-text.js';
import type { SearchEntry, SearchStore } from './search-store.js';

/** The store's value names. */
const KEY = 'key';
const GENERATION = 'generation';
const coveredName = (conversationId: number) => `covered.${conversationId}`;

export const SEARCH_DEFAULT_LIMIT = 50;
export const SEARCH_MAX_LIMIT = 500;

export interface SearchHit {
  conversationId: number;
  /** The other member (yourself for notes to self). */
  peer: string;
  seq: number;
  cursor: number;
  from: string;
  ts: number;
  /** One line of the message around the first match. */
  snippet: string;
  /** [start, end) of each matched word in `snippet`, to highlight. */
  marks: Array<[number, number]>;
}

export interface SearchOptions {
  conversationId?: number;
  /** At most this many hits (default 50, at most 500). */
  limit?: number;
}

/** What is sealed per message: JSON with short names, so the sealed size says little beyond the text's length. */
interface Sealed {
  f: string;
  t: string;
  b: string;
}

export class SearchIndex {
  readonly #store: SearchStore;
  readonly #username: string;
  readonly #indexKey: Uint8Array;
  readonly #keys: SearchKeys;
  /** Writes run one after another; a search waits for them, so a message just seen is found. */
  #queue: Promise<void> = Promise.resolve();

  private constructor(store: SearchStore, username: string, indexKey: Uint8Array) {
    this.#store = store;
    this.#username = username;
    this.#indexKey = indexKey;
    this.#keys = searchKeys(indexKey);
  }

  /**
   * Opens the user's index with the key sealed in it, or starts an empty one under a new key when there is
   * none, it does not open with this wrap key (the password changed on another device), or the server's
   * database generation changed (its conversation ids and seqs no longer mean the same messages).
   */
  static async open(store: SearchStore, username: string, wrapKey: Uint8Array, generation = ''): Promise<SearchIndex> {
    const sealed = await store.get(KEY);
    let indexKey = sealed === null ? undefined : openSearchKey({ sealed, wrapKey, username });
    if (indexKey === undefined || (await store.get(GENERATION)) !== generation) {
      await store.clear();
      indexKey = newSearchKey();
      await store.set(KEY, sealSearchKey({ indexKey, wrapKey, username }));
      await store.set(GENERATION, generation);
    }
    return new SearchIndex(store, username, indexKey);
  }

  /** After a password change on this device: the same index, its key sealed under the new wrap key. */
  rekey(wrapKey: Uint8Array): Promise<void> {
    return this.#enqueue(() => this.#store.set(KEY, sealSearchKey({ indexKey: this.#indexKey, wrapKey, username: this.#username })));
  }

  /** Indexes the messages that opened (failures have no text); already indexed ones are skipped by the store. */
  add(messages: readonly ClientMessage[]): Promise<void> {
    const entries = messages.filter((m) => !m.failure && m.body !== '').map((m) => this.#entry(m));
    if (entries.length === 0) return this.#queue;
    return this.#enqueue(() => this.#store.add(entries));
  }

  #entry(m: ClientMessage): SearchEntry {
    // '' names no one: a group message has no recipient.
    const sealed: Sealed = { f: m.from, t: m.to ?? '', b: m.body };
    return {
      conversationId: m.conversationId,
      seq: m.seq,
      cursor: m.cursor,
      ts: m.ts,
      sealed: sealEntry(this.#keys.text, m.conversationId, m.seq, JSON.stringify(sealed)),
      tokens: [...indexTerms(m.body)].map((term) => blindToken(this.#keys.token, term)),
    };
  }

  /** Messages holding every word of `query` (or a word starting with it), newest first. */
  async search(query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    const terms = queryTerms(query);
    if (terms.length === 0) throw new ParleyError('INVALID_FRAME', 'Type a word of at least two letters to search for.');
    const limit = Math.min(Math.max(1, Math.floor(options.limit ?? SEARCH_DEFAULT_LIMIT)), SEARCH_MAX_LIMIT);
    await this.#queue;
    const tokens = terms.map((term) => blindToken(this.#keys.token, term));
    const rows = await this.#store.find(tokens, { limit, ...(options.conversationId === undefined ? {} : { conversationId: options.conversationId }) });
    const hits: SearchHit[] = [];
    for (const row of rows) {
      const text = openEntry(this.#keys.text, row.conversationId, row.seq, row.sealed);
      const opened = text === undefined ? undefined : parseSealed(text);
      // A row that does not open was not written by this index (or was altered): it is not shown.
      if (!opened) continue;
      const { text: line, marks } = snippet(opened.b, terms);
      const peer = opened.f === this.#username ? opened.t : opened.f;
      hits.push({ conversationId: row.conversationId, peer, seq: row.seq, cursor: row.cursor, from: opened.f, ts: row.ts, snippet: line, marks });
    }
    return hits;
  }

  /** How far `indexHistory` got in a conversation: every message up to this seq went through the index. */
  async covered(conversationId: number): Promise<number> {
    return Number(await this.#store.get(coveredName(conversationId))) || 0;
  }

  setCovered(conversationId: number, seq: number): Promise<void> {
    return this.#enqueue(() => this.#store.set(coveredName(conversationId), String(seq)));
  }

  /** Waits for pending writes, then closes the store. */
  async close(): Promise<void> {
    await this.#queue;
    for (const key of [this.#indexKey, this.#keys.text, this.#keys.token]) key.fill(0);
    await this.#store.close();
  }

  /** Runs `write` after the writes before it; a failed write is dropped (the index is a cache of history). */
  #enqueue(write: () => Promise<void>): Promise<void> {
    this.#queue = this.#queue.then(write).catch(() => undefined);
    return this.#queue;
  }
}

function parseSealed(text: string): Sealed | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && 'f' in value && 't' in value && 'b' in value) {
      const { f, t, b } = value;
      if (typeof f === 'string' && typeof t === 'string' && typeof b === 'string') return { f, t, b };
    }
  } catch {
    // not ours
  }
  return undefined;
}

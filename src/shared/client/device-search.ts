// The signed-in user's search index on this device: fed every message that decrypts, queried by the UI, and
// filled in the background from history this device never decrypted.
import { ParleyError } from '../errors.js';
import { LIMITS, type Message } from '../protocol.js';
import type { ClientContext } from './context.js';
import type { ClientMessage } from './e2e-text.js';
import { SearchIndex, type SearchHit, type SearchOptions } from './search.js';
import { memorySearchStore } from './search-store.js';
import type { ServerSocket } from './server-socket.js';

/** Decrypts history pages (indexing what opens): the inbox. */
interface HistoryOpener {
  open(socket: ServerSocket, messages: readonly Message[]): Promise<readonly ClientMessage[]>;
}

export class DeviceSearch {
  readonly #ctx: ClientContext;
  /** The unlocked user's index (opening); null while signed out or locked. */
  #search: { username: string; wrapKey: Uint8Array; index: Promise<SearchIndex> } | null = null;
  /** The `indexHistory` run in progress. */
  #indexRun: Promise<{ pages: number; done: boolean }> | null = null;

  constructor(ctx: ClientContext) {
    this.#ctx = ctx;
  }

  /** Opens the index of the user who just unlocked their keys (nothing to do when it is open already). */
  open(username: string, wrapKey: Uint8Array): void {
    if (this.#search?.username === username) return;
    this.close();
    const generation = this.#ctx.generation ?? '';
    const { options } = this.#ctx;
    // Deferred, so a store that cannot be opened (a read-only folder) fails the search, never the sign-in.
    const index = Promise.resolve().then(() => SearchIndex.open(options.searchStore?.(username) ?? memorySearchStore(), username, wrapKey, generation));
    // A failure to open shows when the user searches; the messages themselves are not affected.
    index.catch(() => undefined);
    this.#search = { username, wrapKey, index };
  }

  /** Reopened at once if open, after a restore: the index remembers the generation it was built on, and starts empty. */
  reopen(): void {
    const search = this.#search;
    this.close();
    if (search) this.open(search.username, search.wrapKey);
  }

  add(messages: readonly ClientMessage[]): void {
    this.#search?.index.then((index) => index.add(messages)).catch(() => undefined);
  }

  /** The password changed: the index's key is sealed again with the new wrap key. */
  async rekey(wrapKey: Uint8Array): Promise<void> {
    if (this.#search) this.#search.wrapKey = wrapKey;
    await this.#search?.index.then((index) => index.rekey(wrapKey)).catch(() => undefined);
  }

  close(): void {
    this.#search?.index.then((index) => index.close()).catch(() => undefined);
    this.#search = null;
  }

  async search(query: string, options: SearchOptions): Promise<SearchHit[]> {
    return (await this.#index()).search(query, options);
  }

  indexHistory(maxPages: number, opener: HistoryOpener): Promise<{ pages: number; done: boolean }> {
    // One run at a time: a second call while one pages joins it.
    this.#indexRun ??= this.#indexHistory(maxPages, opener).finally(() => (this.#indexRun = null));
    return this.#indexRun;
  }

  async #indexHistory(maxPages: number, opener: HistoryOpener): Promise<{ pages: number; done: boolean }> {
    const conn = this.#ctx.requireSocket();
    const index = await this.#index();
    const limit = LIMITS.historyMaxLimit;
    // Asked of the server, not read from the state: a run started at sign-in may begin before the summaries arrive.
    const { conversations } = await conn.request('conversations', {});
    let pages = 0;
    for (const { id, lastSeq } of conversations) {
      let covered = await index.covered(id);
      while (covered < lastSeq) {
        if (pages >= maxPages) return { pages, done: false };
        // `before` one page above what is covered: the page is the next `limit` messages up.
        const { messages } = await conn.request('history', { conversationId: id, limit, before: covered + 1 + limit });
        pages++;
        await opener.open(conn, messages); // indexes what opens
        covered = messages.length === 0 ? lastSeq : Math.max(covered, ...messages.map((m) => m.seq));
        await index.setCovered(id, covered);
      }
    }
    return { pages, done: true };
  }

  /** The open index; LOCKED while the keys are locked. */
  #index(): Promise<SearchIndex> {
    this.#ctx.requireKeys();
    if (!this.#search) throw new ParleyError('LOCKED');
    return this.#search.index;
  }
}

// Who is typing where: indicators that appear on a typing event and expire unless renewed.
import type { ClientState } from './state.js';
import type { Store } from './store.js';

export class TypingIndicators {
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly store: Store<ClientState>,
    private readonly ttlMs: number,
  ) {}

  started(conversationId: number, username: string): void {
    const key = `${conversationId}\u0000${username}`;
    const existing = this.#timers.get(key);
    if (existing) clearTimeout(existing);
    this.#timers.set(
      key,
      setTimeout(() => this.stopped(conversationId, username), this.ttlMs),
    );
    this.store.update((s) => {
      const now = s.typing[conversationId] ?? [];
      if (now.includes(username)) return s;
      return { ...s, typing: { ...s.typing, [conversationId]: [...now, username] } };
    });
  }

  /** The indicator goes when it expires or when that user's message arrives. */
  stopped(conversationId: number, username: string): void {
    const key = `${conversationId}\u0000${username}`;
    const timer = this.#timers.get(key);
    if (timer) clearTimeout(timer);
    this.#timers.delete(key);
    this.store.update((s) => {
      const now = s.typing[conversationId];
      if (!now?.includes(username)) return s;
      const rest = now.filter((u) => u !== username);
      const typing = { ...s.typing };
      if (rest.length > 0) typing[conversationId] = rest;
      else delete typing[conversationId];
      return { ...s, typing };
    });
  }

  clear(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.store.update((s) => (Object.keys(s.typing).length === 0 ? s : { ...s, typing: {} }));
  }
}

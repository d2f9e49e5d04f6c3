// Typing notices both ways: others' indicators, which appear on a typing event and expire unless renewed,
// and the user's own, sent throttled.
import type { ServerSocket } from './server-socket.js';
import type { ClientState } from './state.js';
import type { StateStore } from './state-store.js';

export class TypingIndicators {
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly store: StateStore<ClientState>,
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

/** The user's own typing notices: at most one per conversation per throttle interval. */
export class TypingSender {
  readonly #sentAt = new Map<number, number>();

  constructor(private readonly options: { typingTtlMs: number; typingThrottleMs: number; now: () => number }) {}

  /** See ParleyClient.typing. */
  notify(conn: ServerSocket | null, conversationId: number, active: boolean): void {
    if (!conn?.isOpen) return;
    const now = this.options.now();
    const last = this.#sentAt.get(conversationId);
    if (!active) {
      if (last === undefined || now - last >= this.options.typingTtlMs) return;
      this.#sentAt.delete(conversationId);
      conn.request('typing', { conversationId, active: false }).catch(() => undefined);
      return;
    }
    if (last !== undefined && now - last < this.options.typingThrottleMs) return;
    this.#sentAt.set(conversationId, now);
    conn.request('typing', { conversationId }).catch(() => undefined);
  }

  /** A message ends the peer's typing notice, so the next keystroke must be able to start one at once. */
  messageSent(conversationId: number): void {
    this.#sentAt.delete(conversationId);
  }

  clear(): void {
    this.#sentAt.clear();
  }
}

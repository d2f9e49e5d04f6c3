// Read markers the user moved: applied at once, sent to the server, and sent again after a reconnect if lost.
import { applyRead } from './merge.js';
import type { ClientState } from './state.js';
import type { ServerSocket } from './server-socket.js';
import type { StateStore } from './state-store.js';

export class ReadMarkers {
  /** conversationId → seq the user has read that the server may not know yet. */
  readonly #wanted = new Map<number, number>();

  constructor(private readonly store: StateStore<ClientState>) {}

  /** Works offline: the snapshot changes now, the server hears of it now or after the next catch-up. */
  async mark(conn: ServerSocket | null, conversationId: number, seq: number, me: string): Promise<void> {
    this.#wanted.set(conversationId, Math.max(seq, this.#wanted.get(conversationId) ?? 0));
    this.store.update((s) => applyRead(s, conversationId, me, seq, me));
    if (!conn?.isOpen) return;
    try {
      await conn.request('read', { conversationId, seq });
      if ((this.#wanted.get(conversationId) ?? 0) <= seq) this.#wanted.delete(conversationId);
    } catch {
      // kept; resend() tries again after the next catch-up
    }
  }

  /** After a catch-up replaced the summaries with the server's: re-apply and resend what it lacks. */
  resend(conn: ServerSocket, me: string): void {
    for (const [conversationId, seq] of this.#wanted) {
      const summary = this.store.getSnapshot().conversations.find((c) => c.id === conversationId);
      if (!summary || summary.readSeq >= seq) {
        this.#wanted.delete(conversationId);
        continue;
      }
      this.store.update((s) => applyRead(s, conversationId, me, seq, me));
      conn.request('read', { conversationId, seq }).then(
        () => this.#wanted.delete(conversationId),
        () => undefined,
      );
    }
  }

  clear(): void {
    this.#wanted.clear();
  }
}

// What arrives for the user: messages opened (decrypted and verified), kept while keys may still open them,
// indexed for search and folded into the snapshot; the notices and security events that come with them.
import type { ConversationSummary, Message } from '../protocol.js';
import type { ClientContext } from './context.js';
import type { DeviceSearch } from './device-search.js';
import type { ClientMessage, SecurityEvent } from './e2e-text.js';
import { addNotices, applyMessages, replaceMessages } from './merge.js';
import { dropDelivered } from './outbox.js';
import type { ServerSocket } from './server-socket.js';
import type { TypingIndicators } from './typing.js';

/** Failures that keys accepted or fetched later can cure. */
const RETRYABLE: ReadonlySet<string> = new Set(['unaccepted-key', 'unknown-sender-key', 'unknown-epoch']);

export class Inbox {
  readonly #ctx: ClientContext;
  readonly #search: DeviceSearch;
  readonly #typing: TypingIndicators;
  /** Delivered messages that could not be opened for want of keys, by `conversationId:seq`, as the server sent them. */
  readonly #undecrypted = new Map<string, Message>();
  /** Live messages are folded into the snapshot one after another, in arrival order (see `arrived`). */
  #live: Promise<void> = Promise.resolve();
  #noticeId = 0;
  #securityId = 0;

  constructor(ctx: ClientContext, search: DeviceSearch, typing: TypingIndicators) {
    this.#ctx = ctx;
    this.#search = search;
    this.#typing = typing;
  }

  /** Every body becomes its text, or '' with the reason it cannot be shown; never the envelope. */
  async open(conn: ServerSocket | null, messages: readonly Message[]): Promise<ClientMessage[]> {
    const keyring = this.#ctx.keyring;
    if (!keyring) return messages.map((m) => ({ ...m, body: '', failure: { reason: 'unknown-epoch', explanation: 'locked: enter your password' } }));
    const out = await keyring.decrypt(conn, messages);
    this.#search.add(out);
    // Kept (envelope and all) while they can still open once keys are accepted or arrive; forgotten once they do.
    for (const [i, m] of out.entries()) {
      const key = `${m.conversationId}:${m.seq}`;
      if (m.failure && RETRYABLE.has(m.failure.reason)) this.#undecrypted.set(key, messages[i]!);
      else this.#undecrypted.delete(key);
    }
    return out;
  }

  /** A conversation summary with its last message opened; the server's first word on it pins its members. */
  async openSummary(conn: ServerSocket, summary: ConversationSummary): Promise<ConversationSummary> {
    const keyring = this.#ctx.keyring;
    // A later claim that differs from the pin is shown.
    if (keyring && summary.kind === 'direct' && !keyring.epochs.pinConversation(summary.id, [keyring.me, summary.peer])) {
      this.security({
        conversationId: summary.id,
        kind: 'conversation-mismatch',
        at: this.#ctx.options.now(),
        text: `The server now says this conversation is with ${summary.peer}; it was pinned with other members. Messages from anyone else are not shown.`,
      });
    }
    // A group's id is pinned with its conversation id the first time; another id later is refused.
    if (keyring && summary.kind === 'group') keyring.groups.pinGroup(summary.id, summary.groupId);
    if (!summary.lastMessage) return summary;
    const [lastMessage] = await this.open(conn, [summary.lastMessage]);
    return { ...summary, lastMessage: lastMessage! };
  }

  /**
   * A live message: opened at once, but folded in in the order they came (seq order): one that waits for a
   * key fetch must not be overtaken, or it would look like a replay and not count as unread.
   */
  arrived(message: Message): void {
    const opened = this.open(this.#ctx.socket, [message]);
    this.#live = this.#live
      .then(() => opened)
      .then((messages) => this.fold(messages))
      .catch(() => undefined);
  }

  /** Folds messages in; own messages still in the outbox count as acknowledged; news becomes a notice. */
  fold(messages: readonly ClientMessage[]): void {
    const me = this.#ctx.state.session?.username;
    if (!me || messages.length === 0) return;
    dropDelivered(this.#ctx, messages, me);
    let fresh: Message[] = [];
    this.#ctx.update((s) => {
      const result = applyMessages(s, messages, me);
      fresh = result.fresh;
      return result.state;
    });
    for (const message of fresh) this.#typing.stopped(message.conversationId, message.from);
    this.#ctx.update((s) => addNotices(s, fresh, () => ++this.#noticeId));
  }

  /** The server acknowledged one of the user's messages: it is indexed and shown as delivered. */
  delivered(message: ClientMessage): void {
    this.#search.add([message]);
    this.fold([message]);
  }

  /** Messages from `from` that failed only for want of keys (now accepted) are decrypted again and shown. */
  async reopenFrom(conn: ServerSocket, from: string): Promise<void> {
    const waiting = [...this.#undecrypted.values()].filter((m) => m.from === from);
    if (waiting.length === 0) return;
    const opened = (await this.open(conn, waiting)).filter((m) => !m.failure);
    if (opened.length === 0) return;
    this.#ctx.update((s) => replaceMessages(s, opened));
  }

  /** Something about a conversation's keys or members the user must see, in that conversation. */
  security(event: Omit<SecurityEvent, 'id'>): void {
    const added: SecurityEvent = { ...event, id: ++this.#securityId };
    this.#ctx.update((s) => ({ ...s, security: { ...s.security, [event.conversationId]: [...(s.security[event.conversationId] ?? []), added] } }));
  }

  /** Another user's data is about to be loaded: nothing kept for the previous one may open later. */
  forget(): void {
    this.#undecrypted.clear();
  }
}

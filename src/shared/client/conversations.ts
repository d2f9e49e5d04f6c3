// The conversations a UI works with: opening one, paging its history, the one on screen, read markers and
// the user's typing notices, and looking people up.
import { ParleyError } from '../errors.js';
import type { ConversationSummary, RequestBody, ResultOf } from '../protocol.js';
import type { ClientContext } from './context.js';
import type { Inbox } from './inbox.js';
import { applyMessages, threadOf, upsertConversation } from './merge.js';
import type { ReadMarkers } from './reads.js';
import type { ServerSocket } from './server-socket.js';
import type { TypingSender } from './typing.js';

/** What `activeUsers` may ask: a part of a name, the previous page's `next`, a page size. */
export type ActiveUsersQuery = Omit<RequestBody<'online'>, 'type'>;

export class Conversations {
  constructor(
    private readonly ctx: ClientContext,
    private readonly inbox: Inbox,
    private readonly reads: ReadMarkers,
    private readonly typingSender: TypingSender,
  ) {}

  async activeUsers(query: ActiveUsersQuery): Promise<ResultOf<'online'>> {
    return this.ctx.requireSocket().request('online', query);
  }

  async lookup(username: string): Promise<ResultOf<'lookup'>> {
    return this.ctx.requireSocket().request('lookup', { username });
  }

  async open(username: string): Promise<ConversationSummary> {
    const conn = this.ctx.requireSocket();
    const { conversation: raw } = await conn.request('open', { with: username });
    // Pinned to the person the user asked for, not to whatever the server answered.
    if (raw.kind === 'direct' && raw.peer !== username) throw new ParleyError('CONVERSATION_MISMATCH', `The server answered with a conversation that is not with ${username}.`);
    const keyring = this.ctx.keyring;
    if (keyring) {
      keyring.epochs.requireConversation(raw.id, username);
      // Once per session, the contact's keys are checked against the pins when their conversation opens.
      if (username !== keyring.me && keyring.pins.statusOf(username) === undefined) await keyring.pins.fetchIdentities(conn, username);
    }
    const conversation = await this.inbox.openSummary(conn, raw);
    this.ctx.update((s) => {
      const known = s.conversations.find((c) => c.id === conversation.id);
      // Live events may already be ahead of this reply; keep whichever summary saw more.
      if (known && known.lastSeq > conversation.lastSeq) return s;
      return upsertConversation(s, conversation);
    });
    if (!threadOf(this.ctx.state, conversation.id).loaded) await this.#loadPage(conn, conversation.id, true);
    return this.ctx.state.conversations.find((c) => c.id === conversation.id) ?? conversation;
  }

  async loadOlder(conversationId: number): Promise<boolean> {
    const thread = threadOf(this.ctx.state, conversationId);
    if (thread.loaded && !thread.more) return false;
    return this.#loadPage(this.ctx.requireSocket(), conversationId, !thread.loaded);
  }

  async #loadPage(conn: ServerSocket, conversationId: number, latest: boolean): Promise<boolean> {
    const me = this.ctx.requireSession().username;
    const oldest = threadOf(this.ctx.state, conversationId).messages[0]?.seq;
    const before = latest ? undefined : oldest;
    const { messages, more } = await conn.request('history', {
      conversationId,
      limit: this.ctx.options.historyPageSize,
      ...(before === undefined ? {} : { before }),
    });
    const decrypted = await this.inbox.open(conn, messages);
    this.ctx.update((s) => applyMessages(s, decrypted, me, { history: { conversationId, more, latest } }).state);
    return threadOf(this.ctx.state, conversationId).more;
  }

  setActive(conversationId: number | null): void {
    this.ctx.update((s) => ({
      ...s,
      activeConversationId: conversationId,
      notices: conversationId === null ? s.notices : s.notices.filter((n) => n.conversationId !== conversationId),
    }));
    // Once per session, the contact on screen has their keys checked against the pins (a change shows at once).
    const shown = this.ctx.state.conversations.find((c) => c.id === conversationId);
    const peer = shown?.kind === 'direct' ? shown.peer : undefined;
    const keyring = this.ctx.keyring;
    const conn = this.ctx.socket;
    if (keyring && conn?.isOpen && peer && peer !== keyring.me && keyring.pins.statusOf(peer) === undefined) {
      void keyring.pins.fetchIdentities(conn, peer).catch(() => undefined);
    }
  }

  dismissNotice(id: number): void {
    this.ctx.update((s) => ({ ...s, notices: s.notices.filter((n) => n.id !== id) }));
  }

  dismissServerRestored(): void {
    if (this.ctx.state.serverRestored) this.ctx.update((s) => ({ ...s, serverRestored: false }));
  }

  async markRead(conversationId: number, seq?: number): Promise<void> {
    const me = this.ctx.requireSession().username;
    const summary = this.ctx.state.conversations.find((c) => c.id === conversationId);
    const target = seq ?? summary?.lastSeq ?? 0;
    if (!summary || target <= summary.readSeq) return;
    await this.reads.mark(this.ctx.socket, conversationId, target, me);
  }

  typing(conversationId: number, active: boolean): void {
    this.typingSender.notify(this.ctx.ready, conversationId, active);
  }

  /** The user sent a message in a conversation: their typing notice there is over. */
  messageSentIn(conversationId: number): void {
    this.typingSender.messageSent(conversationId);
  }

  /** The user sent `to` a message: their typing notice there is over. */
  messageSent(to: string): void {
    const conversation = this.ctx.state.conversations.find((c) => c.kind === 'direct' && c.peer === to);
    if (conversation) this.typingSender.messageSent(conversation.id);
  }
}

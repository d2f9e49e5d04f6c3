// Catching up and keeping up: once a session is established, the user's data is loaded and everything after
// the cursor fetched; then the server's events are folded into the snapshot as they come.
import { ParleyError } from '../errors.js';
import { LIMITS, type ConversationSummary, type ResultOf, type ServerEvent } from '../protocol.js';
import type { ClientContext } from './context.js';
import type { DeviceSearch } from './device-search.js';
import type { Groups } from './groups.js';
import type { Inbox } from './inbox.js';
import { applyConversations, applyPresence, applyRead } from './merge.js';
import type { Outbox } from './outbox.js';
import type { ReadMarkers } from './reads.js';
import type { ServerSocket } from './server-socket.js';
import type { Session } from './state.js';
import type { TypingIndicators, TypingSender } from './typing.js';
import type { VaultSync } from './vault-sync.js';

/** The parts whose per-user state the catch-up starts, resets and hands on to. */
interface CatchUpParts {
  inbox: Inbox;
  outbox: Outbox;
  reads: ReadMarkers;
  typing: TypingIndicators;
  typingSender: TypingSender;
  vault: VaultSync;
  search: DeviceSearch;
  groups: Groups;
}

export class CatchUp {
  readonly #ctx: ClientContext;
  readonly #parts: CatchUpParts;
  /** Highest sync-log position received; null until known for this session. */
  #cursor: number | null = null;

  constructor(ctx: ClientContext, parts: CatchUpParts) {
    this.#ctx = ctx;
    this.#parts = parts;
  }

  /** Session established on `conn`: load the user's data, catch up from the cursor, then send the outbox. */
  async authenticated(conn: ServerSocket, session: Session): Promise<void> {
    const ctx = this.#ctx;
    const previous = ctx.state.session;
    if (previous?.username !== session.username) {
      this.resetUserData();
      const outbox = this.#parts.outbox.load(session.username);
      ctx.update((s) => ({ ...s, session, outbox, keys: 'unlocked', endedReason: null }));
    } else {
      ctx.update((s) => ({ ...s, session, keys: 'unlocked', endedReason: null }));
    }
    ctx.update((s) => applyPresence(s, session.username, true));
    let fetchedConversations = false;
    if (this.#cursor === null) {
      // A fresh session starts its cursor at the newest message it can see; history fills in the rest on demand.
      const conversations = await this.#summaries(conn);
      ctx.update((s) => applyConversations(s, conversations));
      this.#cursor = Math.max(this.#cursor ?? 0, ...conversations.map((c) => c.lastMessage?.cursor ?? 0));
      fetchedConversations = true;
      await this.#parts.groups.catchUp(conn, conversations);
    }
    await this.#syncAll(conn);
    if (!fetchedConversations) {
      // Read marks are not in the sync log; the summaries carry what changed while offline.
      const conversations = await this.#summaries(conn);
      ctx.update((s) => applyConversations(s, conversations));
      // Groups' chains from the verified heads: what changed while this client was away.
      await this.#parts.groups.catchUp(conn, conversations);
    }
    this.#parts.reads.resend(conn, session.username);
    if (conn !== ctx.socket) throw new ParleyError('DISCONNECTED');
    ctx.ready = conn;
    this.#parts.outbox.kick();
    // `read` events missed while away: the group on screen asks for its marks again (others when opened).
    this.#parts.groups.marksAfterCatchUp();
    // The verifications made on the user's other devices, and this one's, meet in the vault.
    void this.#parts.vault.sync(conn);
  }

  /** Signed in by token, keys not unlocked: nothing is read or sent until `unlock(password)`. */
  locked(session: Session): void {
    if (this.#ctx.state.session?.username !== session.username) this.resetUserData();
    const outbox = this.#parts.outbox.load(session.username);
    this.#ctx.update((s) => applyPresence({ ...s, session, outbox, keys: 'locked' }, session.username, true));
  }

  signedOut(): void {
    this.resetUserData();
    this.#ctx.keyring = null;
    this.#parts.search.close();
    this.#ctx.update((s) => ({ ...s, session: null, outbox: [], keys: 'none', contacts: {}, online: [], muted: {} }));
  }

  /** Forgets what was loaded for the signed-in user (another user signs in, or the server was restored). */
  resetUserData(): void {
    this.#cursor = null;
    this.#parts.inbox.forget();
    this.#ctx.ready = null;
    this.#parts.reads.clear();
    this.#parts.typingSender.clear();
    this.#parts.typing.clear();
    this.#parts.groups.clear();
    // `online` is left alone: the new session's contacts' presence may have arrived already.
    this.#ctx.update((s) => ({
      ...s,
      conversations: [],
      threads: {},
      typing: {},
      notices: [],
      security: {},
      groups: {},
      readMarks: {},
      activeConversationId: null,
    }));
  }

  /** Conversation summaries with their last message decrypted. */
  async #summaries(conn: ServerSocket): Promise<ConversationSummary[]> {
    const { conversations } = await conn.request('conversations', {});
    return Promise.all(conversations.map((c) => this.#parts.inbox.openSummary(conn, c)));
  }

  async #syncAll(conn: ServerSocket): Promise<void> {
    for (;;) {
      const after = this.#cursor ?? 0;
      const result: ResultOf<'sync'> = await conn.request('sync', { after, limit: LIMITS.syncMaxLimit });
      this.#parts.inbox.fold(await this.#parts.inbox.open(conn, result.messages));
      this.#cursor = Math.max(this.#cursor ?? 0, result.cursor);
      if (!result.more || result.cursor <= after) return;
    }
  }

  /** An event from the current socket. */
  onEvent(event: ServerEvent): void {
    const ctx = this.#ctx;
    const me = ctx.state.session?.username;
    switch (event.type) {
      case 'message':
        if (me) {
          // Only a caught-up socket may move the cursor on a live push: during catch-up the push can
          // overtake sync pages, and jumping ahead of them would skip the backlog between.
          if (ctx.ready) this.#cursor = Math.max(this.#cursor ?? 0, event.message.cursor);
          if (ctx.keyring) this.#parts.inbox.arrived(event.message);
        }
        return;
      case 'presence':
        ctx.update((s) => applyPresence(s, event.username, event.online));
        return;
      case 'read':
        if (me) ctx.update((s) => applyRead(s, event.conversationId, event.username, event.seq, me));
        return;
      case 'membership': {
        // A change to a group: verified against the pinned chain before it counts (refusals are security events).
        const conn = ctx.socket;
        if (me && ctx.keyring && conn) void this.#parts.groups.onMembership(conn, event).catch(() => undefined);
        return;
      }
      case 'typing':
        if (me && event.username !== me) {
          if (event.active === false) this.#parts.typing.stopped(event.conversationId, event.username);
          else this.#parts.typing.started(event.conversationId, event.username);
        }
        return;
      case 'epoch': {
        const keyring = ctx.keyring;
        const conn = ctx.socket;
        // Checked against the conversation's pinned members; an unknown conversation's keys load with its first message.
        // A group's copy (ek3.) is checked against the verified membership chain instead.
        if (keyring && conn && event.sealed.startsWith('ek3.')) void keyring.groupEpochs.open(conn, event.conversationId, event.epoch, event.creator, event.sealed).catch(() => undefined);
        else if (keyring && conn) void keyring.epochs.onEpoch(conn, event.conversationId, event.epoch, event.creator, event.sealed).catch(() => undefined);
        return;
      }
      case 'keys': {
        // A contact reset their keys: fetch and check them, so the change shows as a warning.
        const keyring = ctx.keyring;
        const conn = ctx.socket;
        if (keyring && conn && event.username !== keyring.me) void keyring.pins.fetchIdentities(conn, event.username).catch(() => undefined);
        return;
      }
      case 'vault': {
        // Another device of this user changed the verifications: merge them here.
        if (ctx.ready) void this.#parts.vault.sync(ctx.ready);
        return;
      }
      case 'shutdown':
        // The server is going away; closing now starts the reconnect schedule. (Browsers let clients close with 1000 only.)
        ctx.socket?.close(1000);
        return;
    }
  }
}

// Groups as the user works with them: creating one, changing its members, name, roles and setting (each
// change signed here, verified, then sent; a conflict retried after fetching the chain), the chain kept
// up after reconnects and from `membership` events, the read marks of the group on screen, and muting.
import type { ChangeTarget, HistorySetting, Role } from '../crypto/index.js';
import { ParleyError } from '../errors.js';
import type { ConversationSummary, GroupSummary, ServerEvent } from '../protocol.js';
import type { ClientContext } from './context.js';
import { createChange, nextChange, type ChangeIntent } from './group-changes.js';
import type { Inbox } from './inbox.js';
import type { Keyring } from './keyring.js';
import { applyGroupMarks, seenByOf } from './group-reads.js';
import { upsertConversation } from './merge.js';
import type { ServerSocket } from './server-socket.js';
import { readJson, STORAGE_KEYS } from './storage.js';

/** How often a change is made again after another change took its place in the chain. */
const CONFLICT_RETRIES = 3;
/** Actions that change who is in the group: a new epoch follows, sealed to the new member set. */
const MEMBER_SET: ReadonlySet<ChangeIntent['action']> = new Set(['add', 'remove', 'update-key']);

export class Groups {
  readonly #ctx: ClientContext;
  readonly #inbox: Inbox;
  /** Groups whose read marks were asked for on this connection (the marks themselves are in the snapshot). */
  readonly #marksLoaded = new Set<number>();

  constructor(ctx: ClientContext, inbox: Inbox) {
    this.#ctx = ctx;
    this.#inbox = inbox;
  }

  #ready(): { conn: ServerSocket; keyring: Keyring } {
    const conn = this.#ctx.requireSocket();
    this.#ctx.requireSession();
    return { conn, keyring: this.#ctx.requireKeys() };
  }

  /** Each member's pinned keys at their newest accepted key version (first use pins them). */
  async #targets(conn: ServerSocket, keyring: Keyring, usernames: readonly string[], role: Role): Promise<ChangeTarget[]> {
    const targets: ChangeTarget[] = [];
    for (const username of new Set(usernames)) {
      if (username === keyring.me) continue;
      await keyring.pins.known(conn, username);
      if (keyring.pins.statusOf(username)?.status === 'changed') {
        throw new ParleyError('KEYS_CHANGED', `${username}'s keys changed: verify the safety number before adding them.`);
      }
      const key = keyring.pins.currentPinned(username);
      if (!key) throw new ParleyError('USER_NOT_FOUND', `${username} has no end-to-end encryption keys.`);
      targets.push({ username, keyVersion: key.keyVersion, role });
    }
    return targets;
  }

  async create(name: string, members: readonly string[], history: HistorySetting): Promise<ConversationSummary> {
    const { conn, keyring } = this.#ready();
    const targets = await this.#targets(conn, keyring, members, 'member');
    const change = createChange(keyring, name, targets, history, this.#ctx.options.now());
    const { conversation } = await conn.request('createGroup', { change });
    keyring.groups.pinGroup(conversation.id, conversation.groupId);
    await keyring.groups.apply(conn, conversation.id, [{ change, afterSeq: 0, index: 0 }]);
    if (keyring.groups.state(conversation.id)?.length !== 1) throw new ParleyError('INVALID_MEMBERSHIP', 'The server stored another group than the one made here.');
    await keyring.groupEpochs.makeEpoch(conn, conversation.id);
    this.#ctx.update((s) => upsertConversation(s, conversation));
    return this.#ctx.state.conversations.find((c) => c.id === conversation.id) ?? conversation;
  }

  add(conversationId: number, usernames: readonly string[], role: 'member' | 'admin'): Promise<void> {
    return this.#change(conversationId, async (conn, keyring) => ({ action: 'add', targets: await this.#targets(conn, keyring, usernames, role) }));
  }

  remove(conversationId: number, username: string): Promise<void> {
    return this.#change(conversationId, async () => ({ action: 'remove', username }));
  }

  leave(conversationId: number): Promise<void> {
    return this.#change(conversationId, async () => ({ action: 'leave' }));
  }

  rename(conversationId: number, name: string): Promise<void> {
    return this.#change(conversationId, async () => ({ action: 'rename', name }));
  }

  setRole(conversationId: number, username: string, role: Role): Promise<void> {
    return this.#change(conversationId, async () => ({ action: 'set-role', username, role }));
  }

  setHistory(conversationId: number, history: HistorySetting): Promise<void> {
    return this.#change(conversationId, async () => ({ action: 'set-history', history }));
  }

  /**
   * Makes a change after the verified chain, signs it, sends it; when another change took its place first
   * (MEMBERSHIP_CONFLICT), fetches the chain, verifies it, and makes the change again. A change to who is in
   * the group is followed by a new epoch sealed to the new member set (and, with shared history, the
   * earlier epochs sealed to the newcomers).
   */
  async #change(conversationId: number, intent: (conn: ServerSocket, keyring: Keyring) => Promise<ChangeIntent>): Promise<void> {
    const { conn, keyring } = this.#ready();
    const wanted = await intent(conn, keyring);
    for (let attempt = 0; ; attempt++) {
      await keyring.groups.sync(conn, conversationId);
      const state = keyring.groups.state(conversationId);
      if (!state) throw new ParleyError('CONVERSATION_NOT_FOUND');
      const made = nextChange(state, keyring, wanted, keyring.pins.lookup, this.#ctx.options.now());
      try {
        await conn.request('changeGroup', { conversationId, change: made.text });
      } catch (error) {
        if (error instanceof ParleyError && error.code === 'MEMBERSHIP_CONFLICT' && attempt < CONFLICT_RETRIES) continue;
        throw error;
      }
      await keyring.groups.sync(conn, conversationId);
      break;
    }
    if (!MEMBER_SET.has(wanted.action)) return;
    const [epoch] = await keyring.groupEpochs.makeEpoch(conn, conversationId);
    if (wanted.action === 'add' && keyring.groups.state(conversationId)?.settings.history === 'shared') {
      await keyring.groupEpochs.shareHistory(conn, conversationId, wanted.targets.map((t) => t.username), epoch);
    }
  }

  /**
   * Before a group send: after an identity reset the chain still holds the user's old key version, and
   * members refuse epochs and messages signed with the new one; an `update-key` change states it first.
   */
  async beforeSend(conn: ServerSocket, conversationId: number): Promise<void> {
    const keyring = this.#ctx.requireKeys();
    const mine = (await keyring.groups.current(conn, conversationId))?.members.find((m) => m.username === keyring.me);
    if (mine && mine.keyVersion < keyring.identity.keyVersion) await this.#change(conversationId, async () => ({ action: 'update-key' }));
  }

  /** A `membership` event: applied if it is the next change, else the chain is fetched from the verified head. */
  async onMembership(conn: ServerSocket, event: Extract<ServerEvent, { type: 'membership' }>): Promise<void> {
    const keyring = this.#ctx.keyring;
    if (!keyring) return;
    const known = keyring.groups.isGroup(event.conversationId);
    const length = known ? await keyring.groups.apply(conn, event.conversationId, [event]) : 0;
    if (length <= event.index) await keyring.groups.sync(conn, event.conversationId);
    // A group this client did not know yet (it was just added): its summary joins the list.
    if (!known) await this.#refreshSummary(conn, event.conversationId);
  }

  async #refreshSummary(conn: ServerSocket, conversationId: number): Promise<void> {
    const { conversations } = await conn.request('conversations', {});
    const summary = conversations.find((c) => c.id === conversationId);
    if (summary) {
      const opened = await this.#inbox.openSummary(conn, summary);
      this.#ctx.update((s) => upsertConversation(s, opened));
    }
  }

  /**
   * After sign-in and every reconnect: each group's chain is fetched from the verified head (the first sight
   * pins its id), and what the summary claims beside it is compared with the verified chain.
   */
  async catchUp(conn: ServerSocket, summaries: readonly ConversationSummary[]): Promise<void> {
    const keyring = this.#ctx.keyring;
    if (!keyring) return;
    keyring.groups.publishAll();
    for (const summary of summaries) {
      if (summary.kind !== 'group') continue;
      await this.#catchUpOne(conn, keyring, summary).catch(() => undefined);
    }
    this.#loadMuted();
  }

  async #catchUpOne(conn: ServerSocket, keyring: Keyring, summary: GroupSummary): Promise<void> {
    if (!keyring.groups.pinGroup(summary.id, summary.groupId)) return;
    if ((keyring.groups.state(summary.id)?.length ?? 0) < summary.chainLength) await keyring.groups.sync(conn, summary.id);
    keyring.groups.checkSummary(summary.id, summary);
  }

  /**
   * A conversation came on screen: a group's read marks are asked for once per connection (the first time it is
   * opened, again after a reconnect, as `read` events may have been missed); `read` events keep them after that.
   */
  opened(conversationId: number | null): void {
    const conn = this.#ctx.ready;
    const summary = this.#ctx.state.conversations.find((c) => c.id === conversationId);
    if (summary?.kind !== 'group' || summary.role === null || !conn?.isOpen || this.#marksLoaded.has(summary.id)) return;
    void this.#loadMarks(conn, summary.id).catch(() => undefined);
  }

  /** After a catch-up on a new connection (now `ready`): marks are asked for again, at once for the group on screen. */
  marksAfterCatchUp(): void {
    this.#marksLoaded.clear();
    this.opened(this.#ctx.state.activeConversationId);
  }

  /** `readMarks`, checked against the verified chain (a name it does not hold is a security event, and no mark). */
  async #loadMarks(conn: ServerSocket, conversationId: number): Promise<void> {
    const keyring = this.#ctx.keyring;
    if (!keyring) return;
    this.#marksLoaded.add(conversationId);
    try {
      const { marks } = await conn.request('readMarks', { conversationId });
      await keyring.groups.current(conn, conversationId);
      keyring.groups.checkClaimedMembers(conversationId, marks.map((m) => m.username));
      this.#ctx.update((s) => applyGroupMarks(s, conversationId, marks));
    } catch (error) {
      this.#marksLoaded.delete(conversationId);
      throw error;
    }
  }

  /** Members (not the message's author, and only those who can read it) whose read mark is at `seq` or past it; asked of the server now. */
  async seenBy(conversationId: number, seq: number): Promise<string[]> {
    const { conn } = this.#ready();
    await this.#loadMarks(conn, conversationId);
    return seenByOf(this.#ctx.state, conversationId, seq).names;
  }

  setMuted(conversationId: number, muted: boolean): void {
    const me = this.#ctx.requireSession().username;
    const next = { ...this.#ctx.state.muted };
    if (muted) next[conversationId] = true;
    else delete next[conversationId];
    this.#ctx.options.storage.setItem(STORAGE_KEYS.muted(me), JSON.stringify(Object.keys(next).map(Number)));
    this.#ctx.update((s) => ({ ...s, muted: next }));
  }

  #loadMuted(): void {
    const me = this.#ctx.state.session?.username;
    if (!me) return;
    const ids = readJson<unknown>(this.#ctx.options.storage, STORAGE_KEYS.muted(me), []);
    const muted: Record<number, true> = {};
    if (Array.isArray(ids)) for (const id of ids) if (typeof id === 'number') muted[id] = true;
    this.#ctx.update((s) => ({ ...s, muted }));
  }

  clear(): void {
    this.#marksLoaded.clear();
  }
}

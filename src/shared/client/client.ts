// The Parley client: one link to the server with reconnect and resume, the account and its keys, the
// catch-up, the outbox and search, behind the one object UIs use, and the snapshot they render.
//
// The parts (each in its own module) share one ClientContext: link.ts (sockets, hello, reconnect),
// account.ts and account-keys.ts (sign-in, sessions, keys), catch-up.ts (loading and live events),
// inbox.ts (opening and folding messages), conversations.ts, groups.ts, outbox.ts, device-search.ts, vault-sync.ts.
import type { ConversationSummary, ResultOf, SessionSummary } from '../protocol.js';
import { Account } from './account.js';
import { AccountKeys } from './account-keys.js';
import { CatchUp } from './catch-up.js';
import { ClientContext } from './context.js';
import { Conversations, type ActiveUsersQuery } from './conversations.js';
import { DeviceSearch } from './device-search.js';
import type { ContactKeys } from './e2e-text.js';
import { Groups } from './groups.js';
import { Inbox } from './inbox.js';
import { Link } from './link.js';
import type { ParleyClientOptions } from './options.js';
import { Outbox } from './outbox.js';
import type { PendingUpgrade } from './password-keys.js';
import { ReadMarkers } from './reads.js';
import type { SearchHit, SearchOptions } from './search.js';
import type { ClientState, OutboxEntry, Session } from './state.js';
import { TypingIndicators, TypingSender } from './typing.js';
import { VaultSync } from './vault-sync.js';

export type { ActiveUsersQuery } from './conversations.js';
export type { ParleyClientOptions } from './options.js';

export class ParleyClient {
  readonly #ctx: ClientContext;
  readonly #link: Link;
  readonly #account: Account;
  readonly #keys: AccountKeys;
  readonly #conversations: Conversations;
  readonly #outbox: Outbox;
  readonly #search: DeviceSearch;
  readonly #inbox: Inbox;
  readonly #groups: Groups;

  constructor(options: ParleyClientOptions) {
    const ctx = (this.#ctx = new ClientContext(options));
    const typing = new TypingIndicators(ctx.store, ctx.options.typingTtlMs);
    const typingSender = new TypingSender(ctx.options);
    const reads = new ReadMarkers(ctx.store);
    const search = (this.#search = new DeviceSearch(ctx));
    const inbox = (this.#inbox = new Inbox(ctx, search, typing));
    const groups = (this.#groups = new Groups(ctx, inbox));
    const outbox = (this.#outbox = new Outbox(ctx, inbox, groups));
    const vault = new VaultSync(ctx);
    const catchUp = new CatchUp(ctx, { inbox, outbox, reads, typing, typingSender, vault, search, groups });
    this.#keys = new AccountKeys(ctx, { search, inbox, outbox, vault });
    this.#account = new Account(ctx, { keys: this.#keys, catchUp, outbox, search });
    this.#link = new Link(ctx, { account: this.#account, catchUp, outbox, typing });
    this.#conversations = new Conversations(ctx, inbox, reads, typingSender);
  }

  // ---- State for UIs ----

  /** The current immutable snapshot. */
  getSnapshot = (): ClientState => this.#ctx.store.getSnapshot();
  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe = (listener: () => void): (() => void) => this.#ctx.store.subscribe(listener);

  // ---- Connection ----

  /**
   * Opens the first connection: hello, then resume with a stored token if there is one.
   * Resolves once online (signed in or not); rejects with a ParleyError when the server can't be reached.
   * Later drops are retried on their own.
   */
  connect(): Promise<void> {
    return this.#link.connect();
  }

  /** Skips the wait before the next reconnect attempt. */
  reconnectNow(): void {
    this.#link.reconnectNow();
  }

  /** Tells the server the user is leaving (`bye`), closes, and never reconnects. */
  exit(): Promise<void> {
    return this.#link.exit();
  }

  // ---- Accounts ----

  /** Creates an account and signs in. Rejects with USERNAME_TAKEN, INVALID_USERNAME, WEAK_PASSWORD… */
  register(username: string, password: string): Promise<Session> {
    return this.#account.register(username, password);
  }

  /** Signs in. Rejects with AUTH_FAILED (wrong name or password), RATE_LIMITED… */
  login(username: string, password: string): Promise<Session> {
    return this.#account.login(username, password);
  }

  /** Unlocks a session resumed without its keys, with the password; then catches up. Rejects with AUTH_FAILED. */
  unlock(password: string): Promise<void> {
    return this.#account.unlock(password);
  }

  /**
   * Moves the signed-in account from a v1 to a v2 key derivation with the same password (prepared while the
   * password was at hand, e.g. by the web page's login): the keys are re-sealed, other sessions stay signed in.
   */
  upgradeKdf(pending: PendingUpgrade): Promise<void> {
    return this.#keys.upgradeKdf(pending);
  }

  /**
   * Changes the password: the private keys are sealed again with the new wrap key (history stays
   * readable), the old password stops working, and every other device is signed out while this one
   * stays. Resolves how many sessions ended. Rejects with AUTH_FAILED, WEAK_PASSWORD or RATE_LIMITED.
   */
  changePassword(oldPassword: string, newPassword: string): Promise<number> {
    return this.#keys.changePassword(oldPassword, newPassword);
  }

  /**
   * Identity reset (lost device, leaked keys): proves the password, makes new keys at the next key version,
   * and switches to them. The old keys are kept (sealed on the server) so earlier history still opens, but
   * new messages go under a new conversation key sealed to the new keys. Contacts see a key-change warning;
   * every other device is signed out. Resolves the new key version. Rejects with AUTH_FAILED or RATE_LIMITED.
   */
  resetKeys(password: string): Promise<number> {
    return this.#keys.resetKeys(password);
  }

  /** The safety number with a contact (60 digits in groups of five) and whether it is marked verified. */
  safetyNumber(username: string): Promise<{ digits: string; verified: boolean; status: ContactKeys }> {
    return this.#keys.safetyNumber(username);
  }

  /**
   * After comparing safety numbers: remember the contact's current keys as verified (or accept changed keys
   * unverified). Pass the digits the user compared: if the keys changed since, it rejects with KEYS_CHANGED.
   */
  markVerified(username: string, verified = true, comparedDigits?: string): Promise<void> {
    return this.#keys.markVerified(username, verified, comparedDigits);
  }

  /** Ends the session on the server and forgets it here. Pending sends stay stored for the next login. */
  logout(): Promise<void> {
    return this.#account.logout();
  }

  // ---- Devices and password ----

  /** The user's signed-in devices (device, address, last seen, current, connected), most recently seen first. */
  sessions(): Promise<SessionSummary[]> {
    return this.#account.sessions();
  }

  /**
   * Signs one device out: its token stops working and its connections close with 4001. Revoking this
   * device's own session signs this client out, as `logout()` does. Rejects with SESSION_NOT_FOUND.
   */
  revokeSession(sessionId: number): Promise<void> {
    return this.#account.revokeSession(sessionId);
  }

  /** Ends every session of the user, this one included ("sign out everywhere"); resolves how many ended. */
  logoutEverywhere(): Promise<number> {
    return this.#account.logoutEverywhere();
  }

  // ---- Conversations ----

  /**
   * A page of the users online now, the user included, sorted: those whose name contains `query` (case
   * sensitive), after `after` (the previous page's `next`), at most `limit` (default 100, at most 500).
   * `state.online` holds only contacts' presence; this is how a UI lists or searches everyone else.
   */
  activeUsers(options: ActiveUsersQuery = {}): Promise<ResultOf<'online'>> {
    return this.#conversations.activeUsers(options);
  }

  /** Whether a username exists (case sensitive) and is online. Rejects with USER_NOT_FOUND. */
  lookup(username: string): Promise<ResultOf<'lookup'>> {
    return this.#conversations.lookup(username);
  }

  /** Opens (creating if needed) the conversation with `username` and loads its latest page. Rejects with USER_NOT_FOUND. */
  openConversation(username: string): Promise<ConversationSummary> {
    return this.#conversations.open(username);
  }

  /** Loads the page before the oldest loaded message (the latest page if none). Resolves with whether more exist. */
  loadOlder(conversationId: number): Promise<boolean> {
    return this.#conversations.loadOlder(conversationId);
  }

  /** The conversation on screen: its messages make no notices, and its notices are dismissed; a group's read marks load. */
  setActiveConversation(conversationId: number | null): void {
    this.#conversations.setActive(conversationId);
    this.#groups.opened(conversationId);
  }

  dismissNotice(id: number): void {
    this.#conversations.dismissNotice(id);
  }

  /** The user has seen that the server was restored from a backup: `serverRestored` goes back to false. */
  dismissServerRestored(): void {
    this.#conversations.dismissServerRestored();
  }

  /** Marks the conversation read up to `seq` (default: its last message). Works offline; sent again after a reconnect. */
  markRead(conversationId: number, seq?: number): Promise<void> {
    return this.#conversations.markRead(conversationId, seq);
  }

  /**
   * Tells the peer the user is typing (throttled), or with `active` false that they stopped (the draft was
   * cleared; sent only when a typing notice may still be showing). Silently skipped while offline.
   */
  typing(conversationId: number, active = true): void {
    this.#conversations.typing(conversationId, active);
  }

  // ---- Sending ----

  /**
   * Queues a message to `to` (a username) and returns its outbox entry at once. It is sent now if online,
   * otherwise after the reconnect, always with the same clientMsgId so the server never stores it twice.
   * Throws MESSAGE_TOO_LONG or INVALID_FRAME (empty) before queueing.
   */
  send(to: string, body: string): OutboxEntry {
    const entry = this.#outbox.add(to, body);
    this.#conversations.messageSent(to);
    return entry;
  }

  /**
   * Queues a message to a conversation by id: a group (sealed to its verified members under a key that fits
   * its signed membership), or a direct conversation (as `send` to its peer). Returns the outbox entry at once.
   * Throws CONVERSATION_NOT_FOUND (unknown, or a group the user left), MESSAGE_TOO_LONG or INVALID_FRAME.
   */
  sendTo(conversationId: number, body: string): OutboxEntry {
    const entry = this.#outbox.addTo(conversationId, body);
    this.#conversations.messageSentIn(conversationId);
    return entry;
  }

  // ---- Groups (docs/groups.md): every change is signed on this device and verified by every member's ----

  /**
   * Creates a group with the user as owner and `members`, and its first key sealed to all of them. Resolves
   * its summary. Rejects with USER_NOT_FOUND, GROUP_FULL, INVALID_GROUP_NAME, KEYS_CHANGED, LOCKED…
   */
  createGroup(name: string, members: string[], options: { history?: 'hidden' | 'shared' } = {}): Promise<ConversationSummary> {
    return this.#groups.create(name, members, options.history ?? 'hidden');
  }

  /** Adds members (as members, or admins: owners only); a new group key follows. NOT_ALLOWED, GROUP_FULL, USER_NOT_FOUND… */
  addMembers(conversationId: number, usernames: string[], role: 'member' | 'admin' = 'member'): Promise<void> {
    return this.#groups.add(conversationId, usernames, role);
  }

  /** Removes a member; a new group key follows, which they cannot read. NOT_ALLOWED, LAST_OWNER… */
  removeMember(conversationId: number, username: string): Promise<void> {
    return this.#groups.remove(conversationId, username);
  }

  /** Leaves the group (the conversation stays readable up to here). LAST_OWNER for the last owner. */
  leaveGroup(conversationId: number): Promise<void> {
    return this.#groups.leave(conversationId);
  }

  /** Renames the group (owners and admins). INVALID_GROUP_NAME, NOT_ALLOWED. */
  renameGroup(conversationId: number, name: string): Promise<void> {
    return this.#groups.rename(conversationId, name);
  }

  /** Makes a member an owner, admin or member (owners only). NOT_ALLOWED, LAST_OWNER. */
  setRole(conversationId: number, username: string, role: 'owner' | 'admin' | 'member'): Promise<void> {
    return this.#groups.setRole(conversationId, username, role);
  }

  /** Whether members added later read the messages from before they joined (owners only). NOT_ALLOWED. */
  setGroupHistory(conversationId: number, history: 'hidden' | 'shared'): Promise<void> {
    return this.#groups.setHistory(conversationId, history);
  }

  /** The group's members (not the message's author) who have read up to `seq`, by name. */
  seenBy(conversationId: number, seq: number): Promise<string[]> {
    return this.#groups.seenBy(conversationId, seq);
  }

  /** Muted: no notices from this conversation unless a message mentions the user. Kept on this device. */
  setMuted(conversationId: number, muted: boolean): void {
    this.#groups.setMuted(conversationId, muted);
  }

  /** Puts a failed entry back in line. */
  retry(clientMsgId: string): void {
    this.#outbox.retry(clientMsgId);
  }

  /** Drops an entry from the outbox (for failed ones: the user gave up on it). */
  discard(clientMsgId: string): void {
    this.#outbox.discard(clientMsgId);
  }

  // ---- Search ----

  /**
   * Searches the decrypted messages indexed on this device (everything this client decrypted, and what
   * `indexHistory` paged in): messages holding every word of `query`, or words starting with it, ignoring
   * case and accents; newest first. Rejects with LOCKED while the keys are locked, INVALID_FRAME for a
   * query without a word of two letters.
   */
  search(query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    return this.#search.search(query, options);
  }

  /**
   * Indexes the history this device has not decrypted, in the background: pages every conversation from
   * the first message up (the index remembers how far, so a later run, after a restart too, carries on and
   * also picks up what arrived while this client was closed), at most `maxPages` history requests per
   * call. Resolves how many pages it read and whether everything is indexed.
   */
  indexHistory(options: { maxPages?: number } = {}): Promise<{ pages: number; done: boolean }> {
    return this.#search.indexHistory(options.maxPages ?? 20, this.#inbox);
  }
}

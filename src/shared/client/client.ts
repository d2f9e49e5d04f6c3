// The Parley client: one connection with reconnect and resume, the outbox, and the snapshot UIs render.
import { ParleyError } from '../errors.js';
import {
  CLOSE_CODES,
  LIMITS,
  SUPPORTED_VERSIONS,
  type ConversationSummary,
  type Message,
  type RequestBody,
  type ResultOf,
  type SendAck,
  type ServerEvent,
  type SessionSummary,
} from '../protocol.js';
import { encodePublicIdentity, fromBase64url, generateIdentity, sealIdentity, toBase64url } from '../crypto/index.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import {
  checkKdfVersion,
  derive,
  freshKeys,
  Keyring,
  pinRealm,
  messageSize,
  tooLongText,
  recordKdfVersion,
  registration,
  sealOldIdentities,
  unlockAll,
  upgradeRequest,
  type ClientMessage,
  type ContactKeys,
  type PendingUpgrade,
  type SecurityEvent,
} from './e2e.js';
import { Connection, type WebSocketConstructor } from './connection.js';
import { newClientMsgId } from './ids.js';
import { addNotices, applyConversations, applyMessages, applyPresence, applyRead, replaceMessages, threadOf, upsertConversation } from './merge.js';
import { ReadMarkers } from './reads.js';
import { loadOutbox, saveOutbox } from './outbox.js';
import { OutboxPump } from './pump.js';
import { STORAGE_KEYS, memoryStorage, type StorageAdapter } from './storage.js';
import { initialState, type ClientState, type ConnectionState, type OutboxEntry, type Session } from './state.js';
import { Store } from './store.js';
import { SearchIndex, type SearchHit, type SearchOptions } from './search.js';
import { memorySearchStore, type SearchStore } from './search-store.js';
import { TypingIndicators } from './typing.js';

/** What `activeUsers` may ask: a part of a name, the previous page's `next`, a page size. */
export type ActiveUsersQuery = Omit<RequestBody<'online'>, 'type'>;

export interface ParleyClientOptions {
  /** `ws://host:port/ws` or `wss://…/ws`. */
  url: string;
  /** `WebSocket` from the `ws` package in Node, `globalThis.WebSocket` in a browser. */
  WebSocket: WebSocketConstructor;
  /** Keeps the token and the outbox across restarts; in memory when omitted. */
  storage?: StorageAdapter;
  /** Store the session token in `storage` (default true). The web client, logged in by cookie, may turn it off. */
  rememberToken?: boolean;
  /**
   * Where the wrap key (which unlocks the user's private keys) is kept so a resumed session needs no
   * password: the terminal client's 0600 profile, the web client's sessionStorage. Omitted: memory only,
   * and a session resumed by token is 'locked' until `unlock(password)`.
   */
  keyStorage?: StorageAdapter;
  /** Sent in hello, e.g. "parley-tui/0.1". */
  clientName?: string;
  /** Device label the server lists next to the session. */
  device?: string;
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  backoff?: BackoffOptions;
  /** How many times a sign-in (register, login, resume) refused with SERVER_BUSY is sent again before the error is shown; 4 by default. */
  busyRetries?: number;
  /** How long a typing indicator lasts without a fresh typing event. */
  typingTtlMs?: number;
  /** At most one typing request per conversation in this interval. */
  typingThrottleMs?: number;
  historyPageSize?: number;
  /**
   * Opens the device's search index for a user (terminal: an SQLite file beside the profile; web:
   * IndexedDB). Omitted: an index in memory, of what this client loaded since it started.
   */
  searchStore?: (username: string) => SearchStore;
  now?: () => number;
}


type Timer = ReturnType<typeof setTimeout>;

/** Failures that keys accepted or fetched later can cure. */
const RETRYABLE: ReadonlySet<string> = new Set(['unaccepted-key', 'unknown-sender-key', 'unknown-epoch']);
/** `ws://host:port/ws` → `host:port`: one server, whichever path or scheme reaches it. */
function addressOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** The wait before resending a sign-in the server was too busy for: a second, doubling to 8 s, jittered, never under its retry-after. */
const BUSY_BACKOFF = { baseMs: 1_000, capMs: 8_000 } as const;
export const BUSY_NOTICE = 'The server is busy; trying again…';
const BUSY_FINAL = 'The server is too busy to sign you in right now; try again in a minute.';

const asParleyError = (error: unknown): ParleyError =>
  error instanceof ParleyError ? error : new ParleyError('INTERNAL', 'Something went wrong in the client.', { cause: error });

export class ParleyClient {
  readonly #options: Required<Omit<ParleyClientOptions, 'backoff' | 'device' | 'clientName' | 'keyStorage' | 'searchStore'>> &
    Pick<ParleyClientOptions, 'backoff' | 'device' | 'clientName' | 'keyStorage' | 'searchStore'>;
  /** The unlocked end-to-end keys of the signed-in user; null while signed out or locked. */
  #keyring: Keyring | null = null;
  /** Envelopes made for outbox entries, by clientMsgId: a resend sends the same bytes. */
  readonly #envelopes = new Map<string, string>();
  readonly #store: Store<ClientState>;
  #conn: Connection | null = null;
  /** The connection that is authenticated and caught up; only it drains the outbox. */
  #ready: Connection | null = null;
  #token: string | null;
  /** Highest sync-log position received; null until known for this session. */
  #cursor: number | null = null;
  #started = false;
  #exiting = false;
  #establishing = false;
  #attempt = 0;
  #retryTimer: Timer | null = null;
  readonly #pump: OutboxPump;
  readonly #typing: TypingIndicators;
  readonly #typingSentAt = new Map<number, number>();
  /** Live messages are folded into the snapshot one after another, in arrival order (see the 'message' event). */
  #liveIngest: Promise<void> = Promise.resolve();
  /** Read positions the user reached that the server may not know yet (sent again after a reconnect). */
  readonly #reads: ReadMarkers;
  #noticeId = 0;
  #securityId = 0;
  #vaultSyncing = false;
  /** The server database's generation, from hello. */
  #generation: string | undefined;
  /** The pins changed since the vault was last read. */
  #vaultDirty = false;
  /** Delivered messages that could not be opened for want of keys, by `conversationId:seq`, as the server sent them. */
  readonly #undecrypted = new Map<string, Message>();
  /** The server's host and port: what realm ids and key derivation versions are remembered by. */
  readonly #address: string;
  /** The realm id from the last hello; checked against the pinned one before every use of the password. */
  #realm: string | undefined;
  /** The unlocked user's search index (opening), fed every message that decrypts; null while signed out or locked. */
  #search: { username: string; wrapKey: Uint8Array; index: Promise<SearchIndex> } | null = null;
  /** The `indexHistory` run in progress. */
  #indexRun: Promise<{ pages: number; done: boolean }> | null = null;

  constructor(options: ParleyClientOptions) {
    this.#options = {
      storage: memoryStorage(),
      rememberToken: true,
      requestTimeoutMs: 15_000,
      connectTimeoutMs: 5_000,
      typingTtlMs: 5_000,
      typingThrottleMs: 3_000,
      historyPageSize: 50,
      busyRetries: 4,
      now: Date.now,
      ...options,
    };
    this.#token = this.#options.rememberToken ? this.#options.storage.getItem(STORAGE_KEYS.token) : null;
    this.#address = addressOf(options.url);
    this.#store = new Store(initialState({ bodyMaxLength: LIMITS.bodyMaxLength, passwordMinLength: LIMITS.passwordMinLength }));
    this.#typing = new TypingIndicators(this.#store, this.#options.typingTtlMs);
    this.#reads = new ReadMarkers(this.#store);
    this.#pump = new OutboxPump({
      connection: () => this.#ready,
      next: () => (this.#state.session ? this.#state.outbox.find((e) => e.status === 'sending') : undefined),
      prepare: (conn, entry) => this.#prepare(conn, entry),
      acked: (entry, ack) => this.#acked(entry, ack),
      // A send unanswered for the whole timeout means a dead link the OS has not noticed; start over.
      suspect: (conn) => conn.close(1000),
      failed: (entry, error) =>
        this.#setOutbox(
          this.#state.outbox.map((e) =>
            e.clientMsgId === entry.clientMsgId ? { ...e, status: 'failed' as const, error: { code: error.code, message: error.message } } : e,
          ),
        ),
    });
  }

  // ---- State for UIs ----

  /** The current immutable snapshot. */
  getSnapshot = (): ClientState => this.#store.getSnapshot();
  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe = (listener: () => void): (() => void) => this.#store.subscribe(listener);

  get #state(): ClientState {
    return this.#store.getSnapshot();
  }

  // ---- Connection ----

  /**
   * Opens the first connection: hello, then resume with a stored token if there is one.
   * Resolves once online (signed in or not); rejects with a ParleyError when the server can't be reached.
   * Later drops are retried on their own.
   */
  async connect(): Promise<void> {
    if (this.#started) throw new Error('connect() may be called once per client');
    this.#started = true;
    this.#setConnection({ status: 'connecting' });
    try {
      await this.#establish();
    } catch (error) {
      const parleyError = asParleyError(error);
      if (!this.#exiting) this.#setConnection({ status: 'closed', reason: parleyError.message });
      throw parleyError;
    }
  }

  /** Skips the wait before the next reconnect attempt. */
  reconnectNow(): void {
    if (this.#state.connection.status !== 'reconnecting' || this.#establishing) return;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    void this.#retry();
  }

  /** Tells the server the user is leaving (`bye`), closes, and never reconnects. */
  async exit(): Promise<void> {
    if (this.#exiting) return;
    this.#exiting = true;
    this.#clearTimers();
    const conn = this.#conn;
    if (conn?.isOpen) await conn.request('bye', {}, 2_000).catch(() => undefined);
    conn?.close(1000);
    this.#conn = this.#ready = null;
    this.#setConnection({ status: 'closed', reason: null });
  }

  async #establish(): Promise<void> {
    this.#establishing = true;
    let conn: Connection | null = null;
    try {
      conn = await Connection.open(
        this.#options.url,
        this.#options.WebSocket,
        {
          onEvent: (event) => {
            if (conn === this.#conn) this.#onEvent(event);
          },
          onClose: (code, reason) => {
            if (conn) this.#onClose(conn, code, reason);
          },
        },
        { timeoutMs: this.#options.connectTimeoutMs, requestTimeoutMs: this.#options.requestTimeoutMs },
      );
      if (this.#exiting) throw new ParleyError('DISCONNECTED');
      this.#conn = conn;
      const hello = await conn.request('hello', {
        versions: [...SUPPORTED_VERSIONS],
        ...(this.#options.clientName ? { client: this.#options.clientName } : {}),
      });
      conn.pace(hello.limits.requestsPerSecond ?? 0);
      this.#store.update((s) => ({
        ...s,
        limits: { bodyMaxLength: hello.limits.bodyMaxLength, passwordMinLength: hello.limits.passwordMinLength },
      }));
      this.#realm = hello.realm;
      if (hello.generation !== undefined) this.#checkGeneration(hello.generation);
      try {
        this.#checkedRealm(); // pins it the first time; a mismatch is reported when the password is used
      } catch {
        // refused at register, login, unlock and password change
      }
      let session: Session | null = hello.session;
      if (!session && this.#token) {
        try {
          const [open, token] = [conn, this.#token];
          session = await this.#whileBusy(() => open.request('resume', { token, ...this.#device() }));
        } catch (error) {
          if (!(error instanceof ParleyError && error.code === 'SESSION_INVALID')) throw error;
          this.#forgetToken();
        }
      }
      if (session && (await this.#unlockFromStorage(conn, session.username))) await this.#authenticated(conn, session);
      else if (session) this.#locked(session);
      else this.#signedOut();
      if (this.#exiting) throw new ParleyError('DISCONNECTED');
      this.#attempt = 0;
      this.#setConnection({ status: 'online' });
    } catch (error) {
      conn?.close(1000);
      if (conn === this.#conn) this.#conn = null;
      throw error;
    } finally {
      this.#establishing = false;
    }
  }

  #onClose(conn: Connection, code: number, reason: string): void {
    if (conn !== this.#conn) return;
    const wasOnline = this.#state.connection.status === 'online';
    this.#conn = null;
    this.#ready = null;
    // Presence comes as events on a connection: with it gone, nobody is known to be online.
    this.#store.update((s) => (s.online.length === 0 ? s : { ...s, online: [] }));
    if (this.#exiting) return;
    // 4001: the session was ended elsewhere (signed out from another device, password changed); the token
    // is dead. The server's sentence says which, for the sign-in screen.
    if (code === CLOSE_CODES.sessionEnded) {
      this.#forgetToken();
      const said = reason.trim().slice(0, 200);
      this.#store.update((s) => ({ ...s, endedReason: said === '' ? 'Your session was ended on another device; sign in again.' : said }));
    }
    // During a handshake the attempt itself fails and schedules the retry.
    if (wasOnline) this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#exiting) return;
    this.#attempt += 1;
    const delay = backoffDelay(this.#attempt, this.#options.backoff);
    this.#setConnection({ status: 'reconnecting', attempt: this.#attempt, nextRetryAt: this.#options.now() + delay });
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      void this.#retry();
    }, delay);
  }

  async #retry(): Promise<void> {
    try {
      await this.#establish();
    } catch {
      this.#scheduleReconnect();
    }
  }

  #setConnection(connection: ConnectionState): void {
    this.#store.update((s) => ({ ...s, connection }));
  }

  // ---- Accounts ----

  /** Creates an account and signs in. Rejects with USERNAME_TAKEN, INVALID_USERNAME, WEAK_PASSWORD… */
  register(username: string, password: string): Promise<Session> {
    return this.#signIn('register', username, password);
  }

  /** Signs in. Rejects with AUTH_FAILED (wrong name or password), RATE_LIMITED… */
  login(username: string, password: string): Promise<Session> {
    return this.#signIn('login', username, password);
  }

  async #signIn(type: 'register' | 'login', username: string, password: string): Promise<Session> {
    const conn = this.#requireConnection();
    let info: { token: string; username: string; sessionId: number };
    let keyring: Keyring;
    if (type === 'register') {
      if (password.length < LIMITS.passwordMinLength || password.length > LIMITS.passwordMaxLength) {
        throw new ParleyError('WEAK_PASSWORD', `Use ${LIMITS.passwordMinLength} to ${LIMITS.passwordMaxLength} characters.`);
      }
      // The server never sees the password: it gets an auth key derived from it, and keys sealed with another.
      const realm = this.#checkedRealm();
      const made = await registration(username, password, realm ?? '');
      info = await this.#whileBusy(() => conn.request('register', { username, ...made.credentials, ...this.#device() }));
      recordKdfVersion(this.#options.storage, this.#address, info.username, made.credentials.kdf!.v);
      keyring = this.#newKeyring(username, made.identity, made.wrapKey);
    } else {
      const pre = await conn.request('prelogin', { username });
      const realm = this.#checkedRealm(pre.realm);
      checkKdfVersion(this.#options.storage, this.#address, username, pre.kdf);
      const keys = await derive(username, password, fromBase64url(pre.salt) ?? new Uint8Array(), pre.kdf, realm);
      const result = await this.#whileBusy(() => conn.request('login', { username, password: toBase64url(keys.authKey), ...this.#device() }));
      info = result;
      try {
        if (!result.keyBundle || !result.publicIdentity) throw new ParleyError('NO_KEYS', 'This account has no end-to-end encryption keys.');
        const { identity, oldIdentities } = unlockAll(result.username, { keyBundle: result.keyBundle, publicIdentity: result.publicIdentity, oldKeyBundles: result.oldKeyBundles }, keys.wrapKey);
        keyring = this.#newKeyring(result.username, identity, keys.wrapKey, oldIdentities);
      } catch (error) {
        await conn.request('logout', {}).catch(() => undefined);
        throw error;
      }
      this.#keyring = keyring;
      await this.#afterPassword(conn, result.username, password, pre.kdf.v, keys.authKey, realm);
    }
    this.#keyring = keyring;
    this.#token = info.token;
    if (this.#options.rememberToken) this.#options.storage.setItem(STORAGE_KEYS.token, info.token);
    const session = { username: info.username, sessionId: info.sessionId };
    // A drop during the catch-up is repaired by the reconnect, which resumes with the token.
    await this.#authenticated(conn, session).catch(() => undefined);
    return session;
  }

  /**
   * Sends a sign-in again while the server says it is too busy hashing passwords (its queue is bounded),
   * with jittered backoff so refused clients do not return together; `signInNotice` tells the user meanwhile.
   */
  async #whileBusy<T>(request: () => Promise<T>): Promise<T> {
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          return await request();
        } catch (error) {
          if (!(error instanceof ParleyError && error.code === 'SERVER_BUSY')) throw error;
          if (attempt > this.#options.busyRetries) throw new ParleyError('SERVER_BUSY', BUSY_FINAL, { retryAfterMs: error.retryAfterMs, cause: error });
          const delay = Math.max(error.retryAfterMs ?? 0, backoffDelay(attempt, { ...BUSY_BACKOFF, random: this.#options.backoff?.random }));
          this.#store.update((s) => ({ ...s, signInNotice: BUSY_NOTICE }));
          await new Promise((resolve) => setTimeout(resolve, delay));
        }
      }
    } finally {
      if (this.#state.signInNotice !== null) this.#store.update((s) => ({ ...s, signInNotice: null }));
    }
  }

  #newKeyring(username: string, identity: Keyring['identity'], wrapKey: Uint8Array, oldIdentities: readonly Keyring['identity'][] = []): Keyring {
    if (this.#options.keyStorage) Keyring.rememberWrapKey(this.#options.keyStorage, username, wrapKey);
    this.#openSearch(username, wrapKey);
    return new Keyring(
      username,
      identity,
      this.#options.storage,
      (contacts) => this.#setContacts(contacts),
      (event) => this.#addSecurityEvent(event),
      this.#options.now,
      oldIdentities,
      () => this.#vaultChanged(),
      this.#generation,
    );
  }

  /**
   * A server whose database was restored from a backup has a new generation: its message ids and seqs went
   * back, so everything known of conversations is dropped and fetched again from scratch (the outbox stays).
   */
  #checkGeneration(generation: string): void {
    const key = STORAGE_KEYS.generation(this.#address);
    const known = this.#options.storage.getItem(key);
    this.#generation = generation;
    this.#options.storage.setItem(key, generation);
    if (known === null || known === generation) return;
    this.#resetUserData();
    this.#envelopes.clear();
    // Reopened at once if open: the index remembers the generation it was built on, and starts empty.
    const search = this.#search;
    this.#closeSearch();
    if (search) this.#openSearch(search.username, search.wrapKey);
    this.#keyring?.serverRestored(generation);
    this.#store.update((s) => ({ ...s, serverRestored: true }));
  }

  /** The pins changed on this device: write them to the vault (once the session is caught up). */
  #vaultChanged(): void {
    this.#vaultDirty = true;
    if (this.#ready) void this.#syncVault(this.#ready);
  }

  /**
   * Reads the vault, merges what the user's other devices pinned, and writes the merge back when this device
   * knows something the vault lacks. One at a time; a conflict (another device wrote meanwhile) starts over.
   * A vault that does not open (not the user's, or a key version the user no longer has) is replaced.
   */
  async #syncVault(conn: Connection): Promise<void> {
    if (this.#vaultSyncing) return;
    this.#vaultSyncing = true;
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        const keyring = this.#keyring;
        if (!keyring || !conn.isOpen) return;
        this.#vaultDirty = false;
        const stored = await conn.request('vault', {});
        let remote: string | undefined;
        if (stored.vault !== null) {
          const opened = keyring.openVault(stored.vault);
          if (opened !== undefined) {
            keyring.mergeVault(opened);
            remote = opened;
          }
        }
        const mine = keyring.vaultText();
        if (mine === remote || (stored.vault === null && mine === keyring.emptyVaultText())) {
          if (!this.#vaultDirty) return;
          continue;
        }
        try {
          await conn.request('putVault', { vault: keyring.sealVault(mine), version: stored.version + 1 });
          if (!this.#vaultDirty) return;
        } catch (error) {
          if (!(error instanceof ParleyError && error.code === 'VAULT_CONFLICT')) throw error;
        }
      }
    } catch {
      // offline or refused: the next change, login or vault event tries again
    } finally {
      this.#vaultSyncing = false;
    }
  }

  #addSecurityEvent(event: Omit<SecurityEvent, 'id'>): void {
    const added: SecurityEvent = { ...event, id: ++this.#securityId };
    this.#store.update((s) => ({ ...s, security: { ...s.security, [event.conversationId]: [...(s.security[event.conversationId] ?? []), added] } }));
  }

  #setContacts(contacts: Record<string, ContactKeys>): void {
    this.#store.update((s) => ({ ...s, contacts }));
  }

  /** After a resume: reopen the keys with a wrap key kept in keyStorage. False when the password is needed. */
  async #unlockFromStorage(conn: Connection, username: string): Promise<boolean> {
    if (this.#keyring?.me === username) return true;
    this.#keyring = null;
    const wrapKey = this.#options.keyStorage ? Keyring.rememberedWrapKey(this.#options.keyStorage, username) : undefined;
    if (!wrapKey) return false;
    try {
      const mine = await conn.request('myKeys', {});
      const { identity, oldIdentities } = unlockAll(username, mine, wrapKey);
      this.#keyring = this.#newKeyring(username, identity, wrapKey, oldIdentities);
      return true;
    } catch (error) {
      if (error instanceof ParleyError && (error.code === 'DISCONNECTED' || error.code === 'TIMEOUT')) throw error;
      if (this.#options.keyStorage) Keyring.forgetWrapKey(this.#options.keyStorage, username);
      return false;
    }
  }

  /** Signed in by token, keys not unlocked: nothing is read or sent until `unlock(password)`. */
  #locked(session: Session): void {
    if (this.#state.session?.username !== session.username) this.#resetUserData();
    const outbox = loadOutbox(this.#options.storage, session.username);
    this.#store.update((s) => applyPresence({ ...s, session, outbox, keys: 'locked' }, session.username, true));
  }

  /** Unlocks a session resumed without its keys, with the password; then catches up. Rejects with AUTH_FAILED. */
  async unlock(password: string): Promise<void> {
    const conn = this.#requireConnection();
    const session = this.#requireSession();
    const { mine, realm, keys } = await this.#keysFromPassword(conn, session.username, password);
    const { identity, oldIdentities } = unlockAll(session.username, mine, keys.wrapKey);
    this.#keyring = this.#newKeyring(session.username, identity, keys.wrapKey, oldIdentities);
    await this.#afterPassword(conn, session.username, password, mine.kdf.v, keys.authKey, realm);
    await this.#authenticated(conn, session);
  }

  /**
   * The signed-in user's keys from their password, with the salt and parameters `myKeys` gives, checked
   * against the pinned realm and the newest derivation version this device saw for the account.
   */
  async #keysFromPassword(conn: Connection, username: string, password: string) {
    const mine = await conn.request('myKeys', {});
    const realm = this.#checkedRealm();
    checkKdfVersion(this.#options.storage, this.#address, username, mine.kdf);
    const keys = await derive(username, password, fromBase64url(mine.salt) ?? new Uint8Array(), mine.kdf, realm);
    return { mine, realm, keys };
  }

  /** The realm ids the server gave (hello, and `also`) checked against the pinned one; undefined if it gave none. */
  #checkedRealm(also?: string): string | undefined {
    let realm: string | undefined;
    for (const given of [this.#realm, also]) if (given !== undefined) realm = pinRealm(this.#options.storage, this.#address, given);
    return realm;
  }

  /**
   * After the password opened the keys: remember which derivation version the account uses here, and move
   * a v1 account to v2 with the same password. The upgrade is best effort: a failure leaves the account
   * on v1, and the next login tries again.
   */
  async #afterPassword(conn: Connection, username: string, password: string, version: number, authKey: Uint8Array, realm: string | undefined) {
    recordKdfVersion(this.#options.storage, this.#address, username, version);
    if (version !== 1 || realm === undefined) return;
    try {
      const fresh = await freshKeys(username, password, realm);
      await this.upgradeKdf({ username, oldAuthKey: toBase64url(authKey), fresh });
    } catch {
      // still on v1; nothing the user must act on
    }
  }

  /**
   * Moves the signed-in account from a v1 to a v2 key derivation with the same password (prepared while the
   * password was at hand, e.g. by the web page's login): the keys are re-sealed, other sessions stay signed in.
   */
  async upgradeKdf(pending: PendingUpgrade): Promise<void> {
    const conn = this.#requireConnection();
    const keyring = this.#requireKeys();
    if (keyring.me !== pending.username) throw new ParleyError('INVALID_KEYS', 'That upgrade is for another account.');
    await conn.request('changePassword', upgradeRequest(pending, keyring.identity, [...keyring.oldIdentities.values()]));
    recordKdfVersion(this.#options.storage, this.#address, keyring.me, pending.fresh.kdf.v);
    if (this.#options.keyStorage) Keyring.rememberWrapKey(this.#options.keyStorage, keyring.me, pending.fresh.wrapKey);
    await this.#rekeySearch(pending.fresh.wrapKey);
  }

  /**
   * Changes the password: the private keys are sealed again with the new wrap key (history stays
   * readable), the old password stops working, and every other device is signed out while this one
   * stays. Resolves how many sessions ended. Rejects with AUTH_FAILED, WEAK_PASSWORD or RATE_LIMITED.
   */
  async changePassword(oldPassword: string, newPassword: string): Promise<number> {
    const conn = this.#requireConnection();
    const keyring = this.#requireKeys();
    if (newPassword.length < LIMITS.passwordMinLength || newPassword.length > LIMITS.passwordMaxLength) {
      throw new ParleyError('WEAK_PASSWORD', `Use ${LIMITS.passwordMinLength} to ${LIMITS.passwordMaxLength} characters.`);
    }
    const { realm, keys: old } = await this.#keysFromPassword(conn, keyring.me, oldPassword);
    const made = await freshKeys(keyring.me, newPassword, realm ?? '');
    const keyBundle = sealIdentity({ identity: keyring.identity, username: keyring.me, wrapKey: made.wrapKey });
    // Keys from before identity resets are re-sealed too: the server takes all of them or none.
    const oldKeyBundles = sealOldIdentities(keyring.me, [...keyring.oldIdentities.values()], made.wrapKey);
    const { endedSessions } = await conn.request('changePassword', {
      password: toBase64url(old.authKey),
      newPassword: made.authKey,
      salt: made.salt,
      kdf: made.kdf,
      keyBundle,
      ...(oldKeyBundles.length > 0 ? { oldKeyBundles } : {}),
    });
    recordKdfVersion(this.#options.storage, this.#address, keyring.me, made.kdf.v);
    if (this.#options.keyStorage) Keyring.rememberWrapKey(this.#options.keyStorage, keyring.me, made.wrapKey);
    await this.#rekeySearch(made.wrapKey);
    return endedSessions;
  }

  /**
   * Identity reset (lost device, leaked keys): proves the password, makes new keys at the next key version,
   * and switches to them. The old keys are kept (sealed on the server) so earlier history still opens, but
   * new messages go under a new conversation key sealed to the new keys. Contacts see a key-change warning;
   * every other device is signed out. Resolves the new key version. Rejects with AUTH_FAILED or RATE_LIMITED.
   */
  async resetKeys(password: string): Promise<number> {
    const conn = this.#requireConnection();
    const keyring = this.#requireKeys();
    const {
      keys: { authKey, wrapKey },
    } = await this.#keysFromPassword(conn, keyring.me, password);
    const identity = generateIdentity(keyring.identity.keyVersion + 1);
    const { keyVersion } = await conn.request('resetKeys', {
      password: toBase64url(authKey),
      publicIdentity: encodePublicIdentity(identity, keyring.me),
      keyBundle: sealIdentity({ identity, username: keyring.me, wrapKey }),
    });
    // Envelopes made with the old keys but not sent yet are made again with the new ones.
    this.#envelopes.clear();
    this.#keyring = this.#newKeyring(keyring.me, identity, wrapKey, [...keyring.oldIdentities.values(), keyring.identity]);
    return keyVersion;
  }

  /** The safety number with a contact (60 digits in groups of five) and whether it is marked verified. */
  async safetyNumber(username: string): Promise<{ digits: string; verified: boolean; status: ContactKeys }> {
    return this.#requireKeys().safetyNumber(this.#requireConnection(), username);
  }

  /**
   * After comparing safety numbers: remember the contact's current keys as verified (or accept changed keys
   * unverified). Pass the digits the user compared: if the keys changed since, it rejects with KEYS_CHANGED.
   */
  async markVerified(username: string, verified = true, comparedDigits?: string): Promise<void> {
    const conn = this.#requireConnection();
    await this.#requireKeys().trust(conn, username, verified, comparedDigits);
    await this.#retryUndecrypted(conn, username);
  }

  /** Messages from `from` that failed only for want of keys (now accepted) are decrypted again and shown. */
  async #retryUndecrypted(conn: Connection, from: string): Promise<void> {
    const waiting = [...this.#undecrypted.values()].filter((m) => m.from === from);
    if (waiting.length === 0) return;
    const opened = (await this.#decrypt(conn, waiting)).filter((m) => !m.failure);
    if (opened.length === 0) return;
    this.#store.update((s) => replaceMessages(s, opened));
  }

  #requireKeys(): Keyring {
    if (!this.#keyring) throw new ParleyError('LOCKED');
    return this.#keyring;
  }

  /** Ends the session on the server and forgets it here. Pending sends stay stored for the next login. */
  async logout(): Promise<void> {
    const conn = this.#conn;
    if (conn?.isOpen) {
      await conn.request('logout', {}).catch((error: unknown) => {
        const code = asParleyError(error).code;
        if (code !== 'DISCONNECTED' && code !== 'TIMEOUT' && code !== 'NOT_AUTHENTICATED') throw error;
      });
    }
    this.#forgetToken();
    this.#signedOut();
  }

  // ---- Devices and password ----

  /** The user's signed-in devices (device, address, last seen, current, connected), most recently seen first. */
  async sessions(): Promise<SessionSummary[]> {
    this.#requireSession();
    return (await this.#requireConnection().request('sessions', {})).sessions;
  }

  /**
   * Signs one device out: its token stops working and its connections close with 4001. Revoking this
   * device's own session signs this client out, as `logout()` does. Rejects with SESSION_NOT_FOUND.
   */
  async revokeSession(sessionId: number): Promise<void> {
    const own = this.#requireSession().sessionId === sessionId;
    await this.#requireConnection().request('revokeSession', { sessionId });
    if (own) this.#endedHere();
  }

  /** Ends every session of the user, this one included ("sign out everywhere"); resolves how many ended. */
  async logoutEverywhere(): Promise<number> {
    this.#requireSession();
    const { endedSessions } = await this.#requireConnection().request('logoutEverywhere', {});
    this.#endedHere();
    return endedSessions;
  }

  /** The server ended this connection's session on our own request: forget it, as after logout. */
  #endedHere(): void {
    this.#forgetToken();
    this.#signedOut();
  }

  #forgetToken(): void {
    const me = this.#state.session?.username;
    if (me && this.#options.keyStorage) Keyring.forgetWrapKey(this.#options.keyStorage, me);
    this.#keyring = null;
    this.#token = null;
    this.#options.storage.removeItem(STORAGE_KEYS.token);
  }

  #device(): { device?: string } {
    return this.#options.device ? { device: this.#options.device } : {};
  }

  /** Session established on `conn`: load the user's data, catch up from the cursor, then send the outbox. */
  async #authenticated(conn: Connection, session: Session): Promise<void> {
    const previous = this.#state.session;
    if (previous?.username !== session.username) {
      this.#resetUserData();
      const outbox = loadOutbox(this.#options.storage, session.username);
      this.#store.update((s) => ({ ...s, session, outbox, keys: 'unlocked', endedReason: null }));
    } else {
      this.#store.update((s) => ({ ...s, session, keys: 'unlocked', endedReason: null }));
    }
    this.#store.update((s) => applyPresence(s, session.username, true));
    let fetchedConversations = false;
    if (this.#cursor === null) {
      // A fresh session starts its cursor at the newest message it can see; history fills in the rest on demand.
      const conversations = await this.#summaries(conn);
      this.#store.update((s) => applyConversations(s, conversations));
      this.#cursor = Math.max(this.#cursor ?? 0, ...conversations.map((c) => c.lastMessage?.cursor ?? 0));
      fetchedConversations = true;
    }
    await this.#syncAll(conn);
    if (!fetchedConversations) {
      // Read marks are not in the sync log; the summaries carry what changed while offline.
      const conversations = await this.#summaries(conn);
      this.#store.update((s) => applyConversations(s, conversations));
    }
    this.#reads.resend(conn, session.username);
    if (conn !== this.#conn) throw new ParleyError('DISCONNECTED');
    this.#ready = conn;
    this.#pump.kick();
    // The verifications made on the user's other devices, and this one's, meet in the vault.
    void this.#syncVault(conn);
  }

  /** Conversation summaries with their last message decrypted. */
  async #summaries(conn: Connection): Promise<ConversationSummary[]> {
    const { conversations } = await conn.request('conversations', {});
    return Promise.all(conversations.map((c) => this.#decryptSummary(conn, c)));
  }

  async #decryptSummary(conn: Connection, summary: ConversationSummary): Promise<ConversationSummary> {
    const keyring = this.#keyring;
    // The server's first word on a conversation pins its members; a later, different claim is shown.
    if (keyring && summary.kind === 'direct' && !keyring.pinConversation(summary.id, [keyring.me, summary.peer])) {
      this.#addSecurityEvent({
        conversationId: summary.id,
        kind: 'conversation-mismatch',
        at: this.#options.now(),
        text: `The server now says this conversation is with ${summary.peer}; it was pinned with other members. Messages from anyone else are not shown.`,
      });
    }
    if (!summary.lastMessage) return summary;
    const [lastMessage] = await this.#decrypt(conn, [summary.lastMessage]);
    return { ...summary, lastMessage: lastMessage! };
  }

  /** Every body becomes its text, or '' with the reason it cannot be shown; never the envelope. */
  async #decrypt(conn: Connection | null, messages: readonly Message[]): Promise<ClientMessage[]> {
    const keyring = this.#keyring;
    if (!keyring) return messages.map((m) => ({ ...m, body: '', failure: { reason: 'unknown-epoch', explanation: 'locked: enter your password' } }));
    const out = await keyring.decrypt(conn, messages);
    this.#index(out);
    // Kept (envelope and all) while they can still open once keys are accepted or arrive; forgotten once they do.
    for (const [i, m] of out.entries()) {
      const key = `${m.conversationId}:${m.seq}`;
      if (m.failure && RETRYABLE.has(m.failure.reason)) this.#undecrypted.set(key, messages[i]!);
      else this.#undecrypted.delete(key);
    }
    return out;
  }

  async #syncAll(conn: Connection): Promise<void> {
    for (;;) {
      const after = this.#cursor ?? 0;
      const result: ResultOf<'sync'> = await conn.request('sync', { after, limit: LIMITS.syncMaxLimit });
      this.#ingest(await this.#decrypt(conn, result.messages));
      this.#cursor = Math.max(this.#cursor ?? 0, result.cursor);
      if (!result.more || result.cursor <= after) return;
    }
  }

  #signedOut(): void {
    this.#resetUserData();
    this.#keyring = null;
    this.#closeSearch();
    this.#store.update((s) => ({ ...s, session: null, outbox: [], keys: 'none', contacts: {}, online: [] }));
  }

  #resetUserData(): void {
    this.#cursor = null;
    this.#undecrypted.clear();
    this.#ready = null;
    this.#reads.clear();
    this.#typingSentAt.clear();
    this.#typing.clear();
    // `online` is left alone: the new session's contacts' presence may have arrived already.
    this.#store.update((s) => ({
      ...s,
      conversations: [],
      threads: {},
      typing: {},
      notices: [],
      security: {},
      activeConversationId: null,
    }));
  }

  // ---- Events ----

  #onEvent(event: ServerEvent): void {
    const me = this.#state.session?.username;
    switch (event.type) {
      case 'message':
        if (me) {
          // Only a caught-up connection may move the cursor on a live push: during catch-up the push can
          // overtake sync pages, and jumping ahead of them would skip the backlog between.
          if (this.#ready) this.#cursor = Math.max(this.#cursor ?? 0, event.message.cursor);
          if (this.#keyring) {
            // Decrypted at once, but folded in in the order they came (seq order): one that waits for a key
            // fetch must not be overtaken, or it would look like a replay and not count as unread.
            const decrypted = this.#decrypt(this.#conn, [event.message]);
            this.#liveIngest = this.#liveIngest
              .then(() => decrypted)
              .then((messages) => this.#ingest(messages))
              .catch(() => undefined);
          }
        }
        return;
      case 'presence':
        this.#store.update((s) => applyPresence(s, event.username, event.online));
        return;
      case 'read':
        if (me) this.#store.update((s) => applyRead(s, event.conversationId, event.username, event.seq, me));
        return;
      case 'typing':
        if (me && event.username !== me) {
          if (event.active === false) this.#typing.stopped(event.conversationId, event.username);
          else this.#typing.started(event.conversationId, event.username);
        }
        return;
      case 'epoch': {
        const keyring = this.#keyring;
        const conn = this.#conn;
        // Checked against the conversation's pinned members; an unknown conversation's keys load with its first message.
        if (keyring && conn) void keyring.onEpoch(conn, event.conversationId, event.epoch, event.creator, event.sealed).catch(() => undefined);
        return;
      }
      case 'keys': {
        // A contact reset their keys: fetch and check them, so the change shows as a warning.
        const keyring = this.#keyring;
        const conn = this.#conn;
        if (keyring && conn && event.username !== keyring.me) void keyring.fetchIdentities(conn, event.username).catch(() => undefined);
        return;
      }
      case 'vault': {
        // Another device of this user changed the verifications: merge them here.
        if (this.#ready) void this.#syncVault(this.#ready);
        return;
      }
      case 'shutdown':
        // The server is going away; closing now starts the reconnect schedule. (Browsers let clients close with 1000 only.)
        this.#conn?.close(1000);
        return;
    }
  }

  /** Folds messages in; own messages still in the outbox count as acknowledged; news becomes a notice. */
  #ingest(messages: readonly ClientMessage[]): void {
    const me = this.#state.session?.username;
    if (!me || messages.length === 0) return;
    const acked = new Set(messages.filter((m) => m.from === me).map((m) => m.clientMsgId));
    if (this.#state.outbox.some((e) => acked.has(e.clientMsgId))) {
      this.#setOutbox(this.#state.outbox.filter((e) => !acked.has(e.clientMsgId)));
    }
    let fresh: Message[] = [];
    this.#store.update((s) => {
      const result = applyMessages(s, messages, me);
      fresh = result.fresh;
      return result.state;
    });
    for (const message of fresh) this.#typing.stopped(message.conversationId, message.from);
    this.#store.update((s) => addNotices(s, fresh, () => ++this.#noticeId));
  }

  // ---- Conversations ----

  /**
   * A page of the users online now, the user included, sorted: those whose name contains `query` (case
   * sensitive), after `after` (the previous page's `next`), at most `limit` (default 100, at most 500).
   * `state.online` holds only contacts' presence; this is how a UI lists or searches everyone else.
   */
  async activeUsers(options: ActiveUsersQuery = {}): Promise<ResultOf<'online'>> {
    return this.#requireConnection().request('online', options);
  }

  /** Whether a username exists (case sensitive) and is online. Rejects with USER_NOT_FOUND. */
  async lookup(username: string): Promise<ResultOf<'lookup'>> {
    return this.#requireConnection().request('lookup', { username });
  }

  /** Opens (creating if needed) the conversation with `username` and loads its latest page. Rejects with USER_NOT_FOUND. */
  async openConversation(username: string): Promise<ConversationSummary> {
    const conn = this.#requireConnection();
    const { conversation: raw } = await conn.request('open', { with: username });
    // Pinned to the person the user asked for, not to whatever the server answered.
    if (raw.kind === 'direct' && raw.peer !== username) throw new ParleyError('CONVERSATION_MISMATCH', `The server answered with a conversation that is not with ${username}.`);
    const keyring = this.#keyring;
    if (keyring) {
      keyring.requireConversation(raw.id, username);
      // Once per session, the contact's keys are checked against the pins when their conversation opens.
      if (username !== keyring.me && keyring.contactStatus()[username] === undefined) await keyring.fetchIdentities(conn, username);
    }
    const conversation = await this.#decryptSummary(conn, raw);
    this.#store.update((s) => {
      const known = s.conversations.find((c) => c.id === conversation.id);
      // Live events may already be ahead of this reply; keep whichever summary saw more.
      if (known && known.lastSeq > conversation.lastSeq) return s;
      return upsertConversation(s, conversation);
    });
    if (!threadOf(this.#state, conversation.id).loaded) await this.#loadPage(conn, conversation.id, true);
    return this.#state.conversations.find((c) => c.id === conversation.id) ?? conversation;
  }

  /** Loads the page before the oldest loaded message (the latest page if none). Resolves with whether more exist. */
  async loadOlder(conversationId: number): Promise<boolean> {
    const thread = threadOf(this.#state, conversationId);
    if (thread.loaded && !thread.more) return false;
    return this.#loadPage(this.#requireConnection(), conversationId, !thread.loaded);
  }

  async #loadPage(conn: Connection, conversationId: number, latest: boolean): Promise<boolean> {
    const me = this.#requireSession().username;
    const oldest = threadOf(this.#state, conversationId).messages[0]?.seq;
    const before = latest ? undefined : oldest;
    const { messages, more } = await conn.request('history', {
      conversationId,
      limit: this.#options.historyPageSize,
      ...(before === undefined ? {} : { before }),
    });
    const decrypted = await this.#decrypt(conn, messages);
    this.#store.update((s) => applyMessages(s, decrypted, me, { history: { conversationId, more, latest } }).state);
    return threadOf(this.#state, conversationId).more;
  }

  /** The conversation on screen: its messages make no notices, and its notices are dismissed. */
  setActiveConversation(conversationId: number | null): void {
    this.#store.update((s) => ({
      ...s,
      activeConversationId: conversationId,
      notices: conversationId === null ? s.notices : s.notices.filter((n) => n.conversationId !== conversationId),
    }));
    // Once per session, the contact on screen has their keys checked against the pins (a change shows at once).
    const peer = this.#state.conversations.find((c) => c.id === conversationId)?.peer;
    const keyring = this.#keyring;
    const conn = this.#conn;
    if (keyring && conn?.isOpen && peer && peer !== keyring.me && keyring.contactStatus()[peer] === undefined) {
      void keyring.fetchIdentities(conn, peer).catch(() => undefined);
    }
  }

  dismissNotice(id: number): void {
    this.#store.update((s) => ({ ...s, notices: s.notices.filter((n) => n.id !== id) }));
  }

  /** The user has seen that the server was restored from a backup: `serverRestored` goes back to false. */
  dismissServerRestored(): void {
    if (this.#state.serverRestored) this.#store.update((s) => ({ ...s, serverRestored: false }));
  }

  /** Marks the conversation read up to `seq` (default: its last message). Works offline; sent again after a reconnect. */
  async markRead(conversationId: number, seq?: number): Promise<void> {
    const me = this.#requireSession().username;
    const summary = this.#state.conversations.find((c) => c.id === conversationId);
    const target = seq ?? summary?.lastSeq ?? 0;
    if (!summary || target <= summary.readSeq) return;
    await this.#reads.mark(this.#conn, conversationId, target, me);
  }

  /**
   * Tells the peer the user is typing (throttled), or with `active` false that they stopped (the draft was
   * cleared; sent only when a typing notice may still be showing). Silently skipped while offline.
   */
  typing(conversationId: number, active = true): void {
    const conn = this.#ready;
    if (!conn?.isOpen) return;
    const now = this.#options.now();
    const last = this.#typingSentAt.get(conversationId);
    if (!active) {
      if (last === undefined || now - last >= this.#options.typingTtlMs) return;
      this.#typingSentAt.delete(conversationId);
      conn.request('typing', { conversationId, active: false }).catch(() => undefined);
      return;
    }
    if (last !== undefined && now - last < this.#options.typingThrottleMs) return;
    this.#typingSentAt.set(conversationId, now);
    conn.request('typing', { conversationId }).catch(() => undefined);
  }

  // ---- Sending ----

  /**
   * Queues a message to `to` (a username) and returns its outbox entry at once. It is sent now if online,
   * otherwise after the reconnect, always with the same clientMsgId so the server never stores it twice.
   * Throws MESSAGE_TOO_LONG or INVALID_FRAME (empty) before queueing.
   */
  send(to: string, body: string): OutboxEntry {
    const session = this.#requireSession();
    if (body.length === 0) throw new ParleyError('INVALID_FRAME', 'A message cannot be empty.');
    // The envelope must fit the server's body limit: count UTF-8 bytes of the text, not characters.
    const size = messageSize(body, this.#state.limits.bodyMaxLength);
    if (!size.fits) throw new ParleyError('MESSAGE_TOO_LONG', tooLongText(size));
    const entry: OutboxEntry = { clientMsgId: newClientMsgId(), to, body, createdAt: this.#options.now(), status: 'sending' };
    // The message ends the peer's typing notice, so the next keystroke must be able to start one at once.
    const conversation = this.#state.conversations.find((c) => c.peer === to);
    if (conversation) this.#typingSentAt.delete(conversation.id);
    this.#setOutbox([...this.#state.outbox, entry], session.username);
    this.#pump.kick();
    return entry;
  }

  /** Puts a failed entry back in line. */
  retry(clientMsgId: string): void {
    this.#setOutbox(
      this.#state.outbox.map((e) => {
        if (e.clientMsgId !== clientMsgId || e.status !== 'failed') return e;
        const { error: _error, ...rest } = e;
        return { ...rest, status: 'sending' as const };
      }),
    );
    this.#pump.kick();
  }

  /** Drops an entry from the outbox (for failed ones: the user gave up on it). */
  discard(clientMsgId: string): void {
    this.#setOutbox(this.#state.outbox.filter((e) => e.clientMsgId !== clientMsgId));
  }

  /** Encrypts an outbox entry once (the conversation's id and key are needed first); resends reuse the envelope. */
  async #prepare(conn: Connection, entry: OutboxEntry): Promise<string> {
    const cached = this.#envelopes.get(entry.clientMsgId);
    if (cached) return cached;
    const keyring = this.#keyring;
    if (!keyring) throw new ParleyError('LOCKED');
    const known = this.#state.conversations.find((c) => c.peer === entry.to);
    const conversationId = known?.id ?? (await conn.request('open', { with: entry.to })).conversation.id;
    // The envelope is bound to this id; the conversation's pinned members must be exactly the user and `to`.
    keyring.requireConversation(conversationId, entry.to);
    if (keyring.contactStatus()[entry.to] === undefined && entry.to !== keyring.me) await keyring.fetchIdentities(conn, entry.to);
    const envelope = await keyring.encrypt(conn, conversationId, entry.to, entry.clientMsgId, entry.body);
    this.#envelopes.set(entry.clientMsgId, envelope);
    return envelope;
  }

  #setOutbox(outbox: readonly OutboxEntry[], username = this.#state.session?.username): void {
    if (username) saveOutbox(this.#options.storage, username, outbox);
    this.#store.update((s) => ({ ...s, outbox }));
  }

  #acked(entry: OutboxEntry, ack: SendAck): void {
    const me = this.#state.session?.username;
    if (!me) return;
    const message: Message = {
      cursor: ack.cursor,
      conversationId: ack.conversationId,
      seq: ack.seq,
      from: me,
      to: entry.to,
      clientMsgId: entry.clientMsgId,
      body: entry.body,
      ts: ack.ts,
    };
    this.#index([message]);
    this.#ingest([message]);
  }

  // ---- Search ----

  /**
   * Searches the decrypted messages indexed on this device (everything this client decrypted, and what
   * `indexHistory` paged in): messages holding every word of `query`, or words starting with it, ignoring
   * case and accents; newest first. Rejects with LOCKED while the keys are locked, INVALID_FRAME for a
   * query without a word of two letters.
   */
  async search(query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    this.#requireKeys();
    const search = this.#search;
    if (!search) throw new ParleyError('LOCKED');
    return (await search.index).search(query, options);
  }

  /**
   * Indexes the history this device has not decrypted, in the background: pages every conversation from
   * the first message up (the index remembers how far, so a later run, after a restart too, carries on and
   * also picks up what arrived while this client was closed), at most `maxPages` history requests per
   * call. Resolves how many pages it read and whether everything is indexed.
   */
  indexHistory(options: { maxPages?: number } = {}): Promise<{ pages: number; done: boolean }> {
    // One run at a time: a second call while one pages joins it.
    this.#indexRun ??= this.#indexHistory(options.maxPages ?? 20).finally(() => (this.#indexRun = null));
    return this.#indexRun;
  }

  async #indexHistory(maxPages: number): Promise<{ pages: number; done: boolean }> {
    const conn = this.#requireConnection();
    this.#requireKeys();
    const search = this.#search;
    if (!search) throw new ParleyError('LOCKED');
    const index = await search.index;
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
        await this.#decrypt(conn, messages); // indexes what opens
        covered = messages.length === 0 ? lastSeq : Math.max(covered, ...messages.map((m) => m.seq));
        await index.setCovered(id, covered);
      }
    }
    return { pages, done: true };
  }

  #openSearch(username: string, wrapKey: Uint8Array): void {
    if (this.#search?.username === username) return;
    this.#closeSearch();
    const generation = this.#generation ?? '';
    // Deferred, so a store that cannot be opened (a read-only folder) fails the search, never the sign-in.
    const index = Promise.resolve().then(() => SearchIndex.open(this.#options.searchStore?.(username) ?? memorySearchStore(), username, wrapKey, generation));
    // A failure to open shows when the user searches; the messages themselves are not affected.
    index.catch(() => undefined);
    this.#search = { username, wrapKey, index };
  }

  #index(messages: readonly ClientMessage[]): void {
    this.#search?.index.then((index) => index.add(messages)).catch(() => undefined);
  }

  async #rekeySearch(wrapKey: Uint8Array): Promise<void> {
    if (this.#search) this.#search.wrapKey = wrapKey;
    await this.#search?.index.then((index) => index.rekey(wrapKey)).catch(() => undefined);
  }

  #closeSearch(): void {
    this.#search?.index.then((index) => index.close()).catch(() => undefined);
    this.#search = null;
  }

  // ---- Helpers ----

  #requireConnection(): Connection {
    const conn = this.#conn;
    if (!conn?.isOpen) throw new ParleyError('DISCONNECTED', 'Not connected to the server right now.');
    return conn;
  }

  #requireSession(): Session {
    const session = this.#state.session;
    if (!session) throw new ParleyError('NOT_AUTHENTICATED');
    return session;
  }

  #clearTimers(): void {
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#pump.stop();
    this.#typing.clear();
  }
}

// The account on this client: register, log in and out, resume with a stored token, the user's devices, and
// what hello says about the server (its realm id, and whether its database was restored from a backup).
import { ParleyError } from '../errors.js';
import type { ResultOf, SessionInfo, SessionSummary } from '../protocol.js';
import { requirePasswordRule } from '../password-rule.js';
import type { AccountKeys } from './account-keys.js';
import type { CatchUp } from './catch-up.js';
import { asParleyError, type ClientContext } from './context.js';
import type { DeviceSearch } from './device-search.js';
import type { Keyring } from './keyring.js';
import type { Outbox } from './outbox.js';
import { unlockAll } from './password-keys.js';
import type { ServerSocket } from './server-socket.js';
import { passwordLogin, passwordRegistration, whileBusy, type BusyRetry } from './sign-in.js';
import type { Session } from './state.js';
import { STORAGE_KEYS } from './storage.js';

interface AccountParts {
  keys: AccountKeys;
  catchUp: CatchUp;
  outbox: Outbox;
  search: DeviceSearch;
}

export class Account {
  readonly #ctx: ClientContext;
  readonly #parts: AccountParts;
  #token: string | null;

  constructor(ctx: ClientContext, parts: AccountParts) {
    this.#ctx = ctx;
    this.#parts = parts;
    this.#token = ctx.options.rememberToken ? ctx.options.storage.getItem(STORAGE_KEYS.token) : null;
  }

  /** What hello said about the server: its realm id (pinned the first time) and its database's generation. */
  hello(hello: ResultOf<'hello'>): void {
    this.#ctx.realm = hello.realm;
    if (hello.generation !== undefined) this.#checkGeneration(hello.generation);
    try {
      this.#parts.keys.checkedRealm(); // pins it the first time; a mismatch is reported when the password is used
    } catch {
      // refused at register, login, unlock and password change
    }
  }

  /**
   * A server whose database was restored from a backup has a new generation: its message ids and seqs went
   * back, so everything known of conversations is dropped and fetched again from scratch (the outbox stays).
   */
  #checkGeneration(generation: string): void {
    const { storage } = this.#ctx.options;
    const key = STORAGE_KEYS.generation(this.#ctx.address);
    const known = storage.getItem(key);
    this.#ctx.generation = generation;
    storage.setItem(key, generation);
    if (known === null || known === generation) return;
    this.#parts.catchUp.resetUserData();
    this.#parts.outbox.forgetEnvelopes();
    this.#parts.search.reopen();
    this.#ctx.keyring?.epochs.serverRestored(generation);
    this.#ctx.keyring?.groups.serverRestored(generation);
    this.#ctx.keyring?.groupEpochs.serverRestored();
    this.#ctx.update((s) => ({ ...s, serverRestored: true }));
  }

  /** A new socket said hello: the session it carries, or the stored token's, is taken up (unlocked or locked). */
  async resume(conn: ServerSocket, helloSession: Session | null): Promise<void> {
    let session = helloSession;
    if (!session && this.#token) {
      try {
        const token = this.#token;
        session = await whileBusy(() => conn.request('resume', { token, ...this.#ctx.device() }), this.#busy());
      } catch (error) {
        if (!(error instanceof ParleyError && error.code === 'SESSION_INVALID')) throw error;
        this.forgetToken();
      }
    }
    if (session && (await this.#parts.keys.unlockFromStorage(conn, session.username))) await this.#parts.catchUp.authenticated(conn, session);
    else if (session) this.#parts.catchUp.locked(session);
    else this.#parts.catchUp.signedOut();
  }

  async register(username: string, password: string): Promise<Session> {
    const conn = this.#ctx.requireSocket();
    requirePasswordRule(password);
    const made = await passwordRegistration(
      {
        realm: async () => this.#parts.keys.checkedRealm(),
        register: (request) => conn.request('register', { ...request, ...this.#ctx.device() }),
      },
      username,
      password,
      { pins: this.#ctx.options.storage, address: this.#ctx.address, busy: this.#busy() },
    );
    return this.#signedIn(conn, made.account, this.#parts.keys.newKeyring(username, made.identity, made.wrapKey));
  }

  async login(username: string, password: string): Promise<Session> {
    const conn = this.#ctx.requireSocket();
    const { storage } = this.#ctx.options;
    const login = await passwordLogin(
      {
        prelogin: (name) => conn.request('prelogin', { username: name }),
        login: (request) => conn.request('login', { ...request, ...this.#ctx.device() }),
      },
      username,
      password,
      { pins: storage, address: this.#ctx.address, checkRealm: (given) => this.#parts.keys.checkedRealm(given), busy: this.#busy() },
    );
    const result = login.account;
    let keyring: Keyring;
    try {
      if (!result.keyBundle || !result.publicIdentity) throw new ParleyError('NO_KEYS', 'This account has no end-to-end encryption keys.');
      const sealed = { keyBundle: result.keyBundle, publicIdentity: result.publicIdentity, oldKeyBundles: result.oldKeyBundles };
      const { identity, oldIdentities } = unlockAll(result.username, sealed, login.wrapKey);
      keyring = this.#parts.keys.newKeyring(result.username, identity, login.wrapKey, oldIdentities);
    } catch (error) {
      await conn.request('logout', {}).catch(() => undefined);
      throw error;
    }
    this.#ctx.keyring = keyring;
    await this.#parts.keys.afterPassword(result.username, password, login.kdfVersion, login.authKey, login.realm);
    return this.#signedIn(conn, result, keyring);
  }

  async #signedIn(conn: ServerSocket, info: SessionInfo, keyring: Keyring): Promise<Session> {
    this.#ctx.keyring = keyring;
    this.#token = info.token;
    if (this.#ctx.options.rememberToken) this.#ctx.options.storage.setItem(STORAGE_KEYS.token, info.token);
    const session = { username: info.username, sessionId: info.sessionId };
    // A drop during the catch-up is repaired by the reconnect, which resumes with the token.
    await this.#parts.catchUp.authenticated(conn, session).catch(() => undefined);
    return session;
  }

  /** How sign-ins wait for a server too busy to take them; `signInNotice` tells the user meanwhile. */
  #busy(): BusyRetry {
    return {
      retries: this.#ctx.options.busyRetries,
      random: this.#ctx.options.backoff?.random,
      notice: (text) => {
        if (this.#ctx.state.signInNotice !== text) this.#ctx.update((s) => ({ ...s, signInNotice: text }));
      },
    };
  }

  async unlock(password: string): Promise<void> {
    const conn = this.#ctx.requireSocket();
    const session = this.#ctx.requireSession();
    await this.#parts.keys.unlock(conn, session.username, password);
    await this.#parts.catchUp.authenticated(conn, session);
  }

  async logout(): Promise<void> {
    const conn = this.#ctx.socket;
    if (conn?.isOpen) {
      await conn.request('logout', {}).catch((error: unknown) => {
        const code = asParleyError(error).code;
        if (code !== 'DISCONNECTED' && code !== 'TIMEOUT' && code !== 'NOT_AUTHENTICATED') throw error;
      });
    }
    this.#endedHere();
  }

  async sessions(): Promise<SessionSummary[]> {
    this.#ctx.requireSession();
    return (await this.#ctx.requireSocket().request('sessions', {})).sessions;
  }

  async revokeSession(sessionId: number): Promise<void> {
    const own = this.#ctx.requireSession().sessionId === sessionId;
    await this.#ctx.requireSocket().request('revokeSession', { sessionId });
    if (own) this.#endedHere();
  }

  async logoutEverywhere(): Promise<number> {
    this.#ctx.requireSession();
    const { endedSessions } = await this.#ctx.requireSocket().request('logoutEverywhere', {});
    this.#endedHere();
    return endedSessions;
  }

  /** The server ended this connection's session on our own request: forget it, as after logout. */
  #endedHere(): void {
    this.forgetToken();
    this.#parts.catchUp.signedOut();
  }

  /** The session is over (here, elsewhere, or its token was refused): its token and kept wrap key go. */
  forgetToken(): void {
    this.#parts.keys.forget(this.#ctx.state.session?.username);
    this.#token = null;
    this.#ctx.options.storage.removeItem(STORAGE_KEYS.token);
  }
}

// Signing in with a password, the one sequence every client uses: prelogin → derive the keys (realm pinned,
// no derivation downgrade) → login with the auth key, sent again while the server is too busy to take it;
// and its twin for a new account.
import { fromBase64url, toBase64url } from '../crypto/index.js';
import { ParleyError } from '../errors.js';
import { backoffDelay } from './backoff.js';
import { checkKdfVersion, derive, recordKdfVersion, registration, type Credentials } from './password-keys.js';
import type { StorageAdapter } from './storage.js';

/** The wait before resending a sign-in the server was too busy for: a second, doubling to 8 s, jittered, never under its retry-after. */
const BUSY_BACKOFF = { baseMs: 1_000, capMs: 8_000 } as const;
export const BUSY_NOTICE = 'The server is busy; trying again…';
const BUSY_FINAL = 'The server is too busy to sign you in right now; try again in a minute.';

export interface BusyRetry {
  /** How many times a sign-in refused with SERVER_BUSY is sent again before the error is shown. */
  retries: number;
  /** The jitter's source of randomness (Math.random when omitted). */
  random?: (() => number) | undefined;
  /** Told the sentence to show while a resend waits (BUSY_NOTICE), and null once the sign-in is through. */
  notice?: ((text: string | null) => void) | undefined;
}

/**
 * Sends a sign-in (register, login, resume) again while the server says it is too busy hashing passwords
 * (its queue is bounded), with jittered backoff so refused clients do not return together.
 */
export async function whileBusy<T>(request: () => Promise<T>, busy: BusyRetry): Promise<T> {
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        return await request();
      } catch (error) {
        if (!(error instanceof ParleyError && error.code === 'SERVER_BUSY')) throw error;
        if (attempt > busy.retries) throw new ParleyError('SERVER_BUSY', BUSY_FINAL, { retryAfterMs: error.retryAfterMs, cause: error });
        const delay = Math.max(error.retryAfterMs ?? 0, backoffDelay(attempt, { ...BUSY_BACKOFF, random: busy.random }));
        busy.notice?.(BUSY_NOTICE);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  } finally {
    busy.notice?.(null);
  }
}

/**
 * How a password login reaches the server: the SDK's socket, or the web page's account API over HTTP (its
 * answer sets the HttpOnly session cookie). Failures are ParleyErrors, so SERVER_BUSY is recognised.
 */
export interface LoginTransport<R> {
  /** The account's salt, key derivation parameters and the server's realm id (a stand-in for unknown names). */
  prelogin(username: string): Promise<{ salt: string; kdf: unknown; realm?: string | undefined }>;
  /** Logs in with the auth key in place of the password. */
  login(request: { username: string; password: string }): Promise<R>;
}

interface PasswordLoginOptions {
  /** Where this device keeps the account's key derivation version (and the realm pin), for which server address. */
  pins: StorageAdapter;
  address: string;
  /** The realm prelogin gave, checked against the pinned one: the realm to bind the keys to. Throws when refused. */
  checkRealm(given: string | undefined): string | undefined;
  busy: BusyRetry;
}

export interface PasswordLogin<R> {
  /** The server's answer to login. */
  account: R;
  authKey: Uint8Array;
  /** Unlocks the private keys the server keeps sealed. */
  wrapKey: Uint8Array;
  /** The key derivation version the account uses (1: it should move to v2, see `kdfUpgrade`). */
  kdfVersion: number;
  realm: string | undefined;
}

/**
 * prelogin → derive → login. Nothing derived from the password is sent before the realm and the derivation
 * version are checked; the password itself never leaves the device.
 */
export async function passwordLogin<R>(transport: LoginTransport<R>, username: string, password: string, options: PasswordLoginOptions): Promise<PasswordLogin<R>> {
  const pre = await transport.prelogin(username);
  const realm = options.checkRealm(pre.realm);
  checkKdfVersion(options.pins, options.address, username, pre.kdf);
  const { authKey, wrapKey } = await derive(username, password, fromBase64url(pre.salt) ?? new Uint8Array(), pre.kdf, realm);
  const account = await whileBusy(() => transport.login({ username, password: toBase64url(authKey) }), options.busy);
  // derive() accepted the descriptor, so it names its version.
  return { account, authKey, wrapKey, kdfVersion: (pre.kdf as { v: number }).v, realm };
}

/** How a registration reaches the server (see LoginTransport). */
export interface RegisterTransport<R extends { username: string }> {
  /** The server's realm id, checked against the pinned one: what the new account's keys are bound to. */
  realm(username: string): Promise<string | undefined>;
  register(request: { username: string } & Credentials): Promise<R>;
}

/**
 * A new account: fresh keys from the password (the server gets an auth key derived from it, and the private
 * keys sealed with another), sent again while the server is busy; the derivation version is remembered.
 */
export async function passwordRegistration<R extends { username: string }>(
  transport: RegisterTransport<R>,
  username: string,
  password: string,
  options: Omit<PasswordLoginOptions, 'checkRealm'>,
) {
  const realm = await transport.realm(username);
  const made = await registration(username, password, realm ?? '');
  const account = await whileBusy(() => transport.register({ username, ...made.credentials }), options.busy);
  recordKdfVersion(options.pins, options.address, account.username, made.credentials.kdf!.v);
  return { account, identity: made.identity, wrapKey: made.wrapKey };
}

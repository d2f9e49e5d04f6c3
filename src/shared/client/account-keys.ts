// The signed-in user's end-to-end keys: unlocking them (with the password, or a wrap key kept on the device),
// the password change, the v1 → v2 derivation upgrade, identity reset, and contacts' safety numbers.
import { encodePublicIdentity, fromBase64url, generateIdentity, sealIdentity, toBase64url, type Identity } from '../crypto/index.js';
import { ParleyError } from '../errors.js';
import { requirePasswordRule } from '../password-rule.js';
import type { ClientContext } from './context.js';
import type { DeviceSearch } from './device-search.js';
import type { ContactKeys } from './e2e-text.js';
import type { Inbox } from './inbox.js';
import { Keyring } from './keyring.js';
import type { Outbox } from './outbox.js';
import {
  checkKdfVersion,
  derive,
  forgetWrapKey,
  freshKeys,
  kdfUpgrade,
  pinRealm,
  recordKdfVersion,
  rememberedWrapKey,
  rememberWrapKey,
  sealOldIdentities,
  unlockAll,
  upgradeRequest,
  type PendingUpgrade,
} from './password-keys.js';
import type { ServerSocket } from './server-socket.js';
import type { VaultSync } from './vault-sync.js';

/** The parts that follow the user's keys: the search index is sealed with them, the inbox and outbox use them. */
interface KeyParts {
  search: DeviceSearch;
  inbox: Inbox;
  outbox: Outbox;
  vault: VaultSync;
}

export class AccountKeys {
  readonly #ctx: ClientContext;
  readonly #parts: KeyParts;

  constructor(ctx: ClientContext, parts: KeyParts) {
    this.#ctx = ctx;
    this.#parts = parts;
  }

  /** The keyring of a user whose keys just opened; the wrap key is kept in keyStorage and opens the search index. */
  newKeyring(username: string, identity: Identity, wrapKey: Uint8Array, oldIdentities: readonly Identity[] = []): Keyring {
    const { keyStorage, storage, now } = this.#ctx.options;
    if (keyStorage) rememberWrapKey(keyStorage, username, wrapKey);
    this.#parts.search.open(username, wrapKey);
    return new Keyring(username, identity, oldIdentities, {
      storage,
      onContacts: (contacts) => this.#ctx.update((s) => ({ ...s, contacts })),
      onSecurity: (event) => this.#parts.inbox.security(event),
      onGroup: (conversationId, view) => this.#ctx.update((s) => ({ ...s, groups: { ...s.groups, [conversationId]: view } })),
      onPins: () => this.#parts.vault.changed(),
      now,
      generation: this.#ctx.generation,
    });
  }

  /** After a resume: reopen the keys with a wrap key kept in keyStorage. False when the password is needed. */
  async unlockFromStorage(conn: ServerSocket, username: string): Promise<boolean> {
    if (this.#ctx.keyring?.me === username) return true;
    this.#ctx.keyring = null;
    const keyStorage = this.#ctx.options.keyStorage;
    const wrapKey = keyStorage ? rememberedWrapKey(keyStorage, username) : undefined;
    if (!wrapKey) return false;
    try {
      const mine = await conn.request('myKeys', {});
      const { identity, oldIdentities } = unlockAll(username, mine, wrapKey);
      this.#ctx.keyring = this.newKeyring(username, identity, wrapKey, oldIdentities);
      return true;
    } catch (error) {
      if (error instanceof ParleyError && (error.code === 'DISCONNECTED' || error.code === 'TIMEOUT')) throw error;
      if (keyStorage) forgetWrapKey(keyStorage, username);
      return false;
    }
  }

  /** Opens the keys of a session resumed without them, with the password. Rejects with AUTH_FAILED. */
  async unlock(conn: ServerSocket, username: string, password: string): Promise<void> {
    const { mine, realm, keys } = await this.#keysFromPassword(conn, username, password);
    const { identity, oldIdentities } = unlockAll(username, mine, keys.wrapKey);
    this.#ctx.keyring = this.newKeyring(username, identity, keys.wrapKey, oldIdentities);
    await this.afterPassword(username, password, mine.kdf.v, keys.authKey, realm);
  }

  /**
   * The signed-in user's keys from their password, with the salt and parameters `myKeys` gives, checked
   * against the pinned realm and the newest derivation version this device saw for the account.
   */
  async #keysFromPassword(conn: ServerSocket, username: string, password: string) {
    const mine = await conn.request('myKeys', {});
    const realm = this.checkedRealm();
    checkKdfVersion(this.#ctx.options.storage, this.#ctx.address, username, mine.kdf);
    const keys = await derive(username, password, fromBase64url(mine.salt) ?? new Uint8Array(), mine.kdf, realm);
    return { mine, realm, keys };
  }

  /** The realm ids the server gave (hello, and `also`) checked against the pinned one; undefined if it gave none. */
  checkedRealm(also?: string): string | undefined {
    let realm: string | undefined;
    for (const given of [this.#ctx.realm, also]) if (given !== undefined) realm = pinRealm(this.#ctx.options.storage, this.#ctx.address, given);
    return realm;
  }

  /**
   * After the password opened the keys: remember which derivation version the account uses here, and move
   * a v1 account to v2 with the same password. The upgrade is best effort: a failure leaves the account
   * on v1, and the next login tries again.
   */
  async afterPassword(username: string, password: string, version: number, authKey: Uint8Array, realm: string | undefined): Promise<void> {
    recordKdfVersion(this.#ctx.options.storage, this.#ctx.address, username, version);
    const upgrade = await kdfUpgrade(username, password, version, authKey, realm);
    if (upgrade) await this.upgradeKdf(upgrade).catch(() => undefined);
  }

  async upgradeKdf(pending: PendingUpgrade): Promise<void> {
    const conn = this.#ctx.requireSocket();
    const keyring = this.#ctx.requireKeys();
    if (keyring.me !== pending.username) throw new ParleyError('INVALID_KEYS', 'That upgrade is for another account.');
    await conn.request('changePassword', upgradeRequest(pending, keyring.identity, [...keyring.oldIdentities.values()]));
    this.#newWrapKey(keyring.me, pending.fresh.kdf.v, pending.fresh.wrapKey);
    await this.#parts.search.rekey(pending.fresh.wrapKey);
  }

  async changePassword(oldPassword: string, newPassword: string): Promise<number> {
    const conn = this.#ctx.requireSocket();
    const keyring = this.#ctx.requireKeys();
    requirePasswordRule(newPassword);
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
    this.#newWrapKey(keyring.me, made.kdf.v, made.wrapKey);
    await this.#parts.search.rekey(made.wrapKey);
    return endedSessions;
  }

  /** The password's keys changed: the derivation version and the kept wrap key follow. */
  #newWrapKey(me: string, version: number, wrapKey: Uint8Array): void {
    recordKdfVersion(this.#ctx.options.storage, this.#ctx.address, me, version);
    if (this.#ctx.options.keyStorage) rememberWrapKey(this.#ctx.options.keyStorage, me, wrapKey);
  }

  async resetKeys(password: string): Promise<number> {
    const conn = this.#ctx.requireSocket();
    const keyring = this.#ctx.requireKeys();
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
    this.#parts.outbox.forgetEnvelopes();
    this.#ctx.keyring = this.newKeyring(keyring.me, identity, wrapKey, [...keyring.oldIdentities.values(), keyring.identity]);
    return keyVersion;
  }

  async safetyNumber(username: string): Promise<{ digits: string; verified: boolean; status: ContactKeys }> {
    return this.#ctx.requireKeys().pins.safetyNumber(this.#ctx.requireSocket(), username);
  }

  async markVerified(username: string, verified: boolean, comparedDigits?: string): Promise<void> {
    const conn = this.#ctx.requireSocket();
    await this.#ctx.requireKeys().pins.trust(conn, username, verified, comparedDigits);
    await this.#parts.inbox.reopenFrom(conn, username);
  }

  /** The session ended: the wrap key kept for it goes with it. */
  forget(username: string | undefined): void {
    if (username && this.#ctx.options.keyStorage) forgetWrapKey(this.#ctx.options.keyStorage, username);
    this.#ctx.keyring = null;
  }
}

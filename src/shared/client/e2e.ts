// The client's end-to-end keys: derive and unlock, contacts' checked identities, conversation keys, encrypt and decrypt.
import {
  checkContactKeys,
  decryptMessage,
  deriveKeys,
  encodePublicIdentity,
  encryptMessage,
  formatDigits,
  fromBase64url,
  generateIdentity,
  KDF_DEFAULT,
  newEpochKey,
  newSalt,
  openEpochKey,
  openIdentity,
  parsePublicIdentity,
  publicIdentityOf,
  REALM_PATTERN,
  rememberContact,
  safetyNumber,
  sealEpochKey,
  sealIdentity,
  toBase64url,
  type ContactRecord,
  type DecryptFailure,
  type Identity,
  type KdfFailure,
  type PublicIdentity,
} from '../crypto/index.js';
import { ParleyError } from '../errors.js';
import type { KdfParams, Message } from '../protocol.js';
import type { Connection } from './connection.js';
import { STORAGE_KEYS, type StorageAdapter } from './storage.js';

/** Why a message is not shown as text; `explanation` is fit to show in place of it. */
export interface MessageFailure {
  reason: DecryptFailure;
  explanation: string;
}

/** A delivered message as the SDK keeps it: `body` is the decrypted text, or '' with `failure` set. */
export type ClientMessage = Message & { failure?: MessageFailure };

/** What the client knows about a contact's keys: trust on first use, verified, or changed (warn loudly). */
export interface ContactKeys {
  status: 'new' | 'same' | 'changed';
  verified: boolean;
  /** Set when the keys changed after they had been verified: the loudest warning. */
  wasVerified: boolean;
}

export const EXPLANATIONS: Record<DecryptFailure, string> = {
  'not-encrypted': 'not encrypted — not shown',
  'unsupported-version': 'sent from a newer Parley; update to read it',
  malformed: 'damaged message',
  'wrong-conversation': 'this message was moved from another conversation',
  'unknown-sender-key': "can't verify the sender",
  'bad-signature': 'forged or altered message',
  'unknown-epoch': "can't decrypt: no key for it",
  tampered: "can't decrypt: keys disagree",
  'unsupported-content': 'sent from a newer Parley',
};

const utf8Length = (text: string): number => new TextEncoder().encode(text).length;

const contactsKey = STORAGE_KEYS.contacts;
const wrapKeyKey = STORAGE_KEYS.wrapKey;

/** Keeps the wrap key where a client asked (the web client's sessionStorage), so the next connection unlocks alone. */
export const rememberWrapKey = (storage: StorageAdapter, me: string, wrapKey: Uint8Array): void => storage.setItem(wrapKeyKey(me), toBase64url(wrapKey));

/** The fields `register` and `login` carry for end-to-end encryption. */
export interface Credentials {
  password: string;
  salt?: string;
  kdf?: KdfParams;
  publicIdentity?: string;
  keyBundle?: string;
}

const KDF_REFUSALS: Record<KdfFailure, string> = {
  'kdf-rejected': 'The server asked for unsafe key derivation parameters; not logging in.',
  'salt-invalid': 'The server sent an unusable salt; not logging in.',
  'realm-invalid': 'The server did not say which server it is (no realm id), which these keys need; not logging in.',
};

export async function derive(username: string, password: string, salt: Uint8Array, kdf: unknown, realm?: string) {
  const derived = await deriveKeys({ username, password, salt, kdf, realm });
  if (!derived.ok) throw new ParleyError('INVALID_KEYS', KDF_REFUSALS[derived.reason]);
  return derived;
}

/**
 * Trust on first use for the server's realm id: the first one a server address gives is kept, and a
 * different one later is refused (a server that changes its realm could be pooling users' salts).
 */
export function pinRealm(storage: StorageAdapter, address: string, realm: string | undefined): string {
  if (realm === undefined || !REALM_PATTERN.test(realm)) {
    throw new ParleyError('INVALID_KEYS', KDF_REFUSALS['realm-invalid']);
  }
  const pinned = storage.getItem(STORAGE_KEYS.realm(address));
  if (pinned === null) storage.setItem(STORAGE_KEYS.realm(address), realm);
  else if (pinned !== realm) {
    throw new ParleyError(
      'INVALID_KEYS',
      'This server now says it is a different server than the first time this device connected (its realm id changed). ' +
        'It may be an impostor; not using your password with it. If the server was really reinstalled, remove it from this device and add it again.',
    );
  }
  return realm;
}

/** Refuses a descriptor older than one this account already used on this device (a downgrade by the server). */
export function checkKdfVersion(storage: StorageAdapter, address: string, username: string, kdf: unknown): void {
  const known = Number(storage.getItem(STORAGE_KEYS.kdfVersion(address, username)) ?? 0);
  const offered = typeof kdf === 'object' && kdf !== null ? (kdf as { v?: unknown }).v : undefined;
  if (typeof offered !== 'number' || offered < known) {
    throw new ParleyError(
      'INVALID_KEYS',
      `Your account uses the stronger key derivation (version ${known}) on this device, but the server now asks for an older, weaker one. It may be attacking your password; not logging in.`,
    );
  }
}

export function recordKdfVersion(storage: StorageAdapter, address: string, username: string, version: number): void {
  const key = STORAGE_KEYS.kdfVersion(address, username);
  if (Number(storage.getItem(key) ?? 0) < version) storage.setItem(key, String(version));
}

/** Fresh salt and the default (v2) descriptor: the keys for a new account, a password change or a v1 → v2 upgrade. */
export async function freshKeys(username: string, password: string, realm: string) {
  const salt = newSalt();
  const { authKey, wrapKey } = await derive(username, password, salt, KDF_DEFAULT, realm);
  return { salt: toBase64url(salt), kdf: { ...KDF_DEFAULT }, authKey: toBase64url(authKey), wrapKey };
}

export type FreshKeys = Awaited<ReturnType<typeof freshKeys>>;

/** A v1 → v2 move of one account with the same password, derived while the password was at hand. */
export interface PendingUpgrade {
  username: string;
  /** The v1 auth key, which the server checks as the current password. */
  oldAuthKey: string;
  fresh: FreshKeys;
}

/** The `changePassword` request of an upgrade: the private keys re-sealed with the v2 wrap key. */
export const upgradeRequest = (pending: PendingUpgrade, identity: Identity) => ({
  password: pending.oldAuthKey,
  newPassword: pending.fresh.authKey,
  salt: pending.fresh.salt,
  kdf: pending.fresh.kdf,
  keyBundle: sealIdentity({ identity, username: pending.username, wrapKey: pending.fresh.wrapKey }),
  upgrade: true as const,
});

/** New account: the auth key replaces the password; the identity is sealed with the wrap key. */
export async function registration(username: string, password: string, realm: string) {
  const fresh = await freshKeys(username, password, realm);
  const identity = generateIdentity();
  const credentials: Credentials = {
    password: fresh.authKey,
    salt: fresh.salt,
    kdf: fresh.kdf,
    publicIdentity: encodePublicIdentity(identity, username),
    keyBundle: sealIdentity({ identity, username, wrapKey: fresh.wrapKey }),
  };
  return { credentials, identity, wrapKey: fresh.wrapKey };
}

export function unlock(username: string, keyBundle: string, publicIdentity: string, wrapKey: Uint8Array): Identity {
  const published = parsePublicIdentity(publicIdentity, username);
  if (!published.ok) throw new ParleyError('INVALID_KEYS', 'The server published an invalid identity for you.');
  const opened = openIdentity({ bundle: keyBundle, username, wrapKey, published: published.identity });
  if (!opened.ok) {
    throw new ParleyError(
      opened.reason === 'tampered' ? 'AUTH_FAILED' : 'INVALID_KEYS',
      opened.reason === 'public-key-mismatch'
        ? 'The server publishes other keys for you than your own: it may be intercepting. Not logging in.'
        : 'Your keys could not be opened with this password.',
    );
  }
  return opened.identity;
}

/** One signed-in user's keys and what they learned from the server, for one client. */
export class Keyring {
  readonly identity: Identity;
  readonly me: string;
  readonly #storage: StorageAdapter;
  readonly #directory = new Map<string, PublicIdentity[]>();
  readonly #epochKeys = new Map<number, Map<number, Uint8Array>>();
  readonly #contacts: Record<string, ContactRecord>;
  readonly #onContacts: (contacts: Record<string, ContactKeys>) => void;
  readonly #status: Record<string, ContactKeys> = {};

  constructor(me: string, identity: Identity, storage: StorageAdapter, onContacts: (contacts: Record<string, ContactKeys>) => void) {
    this.me = me;
    this.identity = identity;
    this.#storage = storage;
    this.#onContacts = onContacts;
    this.#directory.set(me, [publicIdentityOf(identity, me)]);
    let contacts: Record<string, ContactRecord> = {};
    try {
      contacts = JSON.parse(storage.getItem(contactsKey(me)) ?? '{}') as Record<string, ContactRecord>;
    } catch {
      // an unreadable record means first use again
    }
    this.#contacts = contacts;
  }

  static rememberWrapKey(storage: StorageAdapter, me: string, wrapKey: Uint8Array): void {
    storage.setItem(wrapKeyKey(me), toBase64url(wrapKey));
  }

  static rememberedWrapKey(storage: StorageAdapter, me: string): Uint8Array | undefined {
    const text = storage.getItem(wrapKeyKey(me));
    return text ? fromBase64url(text) : undefined;
  }

  static forgetWrapKey(storage: StorageAdapter, me: string): void {
    storage.removeItem(wrapKeyKey(me));
  }

  contactStatus(): Record<string, ContactKeys> {
    return { ...this.#status };
  }

  /** Fetches and checks a user's identities; records what changed since they were remembered. */
  async fetchIdentities(conn: Connection, username: string): Promise<PublicIdentity[]> {
    if (username === this.me) return this.#directory.get(username) ?? [];
    const { identities } = await conn.request('identity', { username });
    const parsed: PublicIdentity[] = [];
    for (const text of identities) {
      const result = parsePublicIdentity(text, username);
      if (result.ok) parsed.push(result.identity);
    }
    this.#directory.set(username, parsed);
    const current = parsed.at(-1);
    if (current) {
      const check = checkContactKeys(this.#contacts[username], current);
      if (check.status === 'new') this.#remember(current, false);
      this.#status[username] = {
        status: check.status,
        verified: check.status === 'same' ? check.verified : false,
        wasVerified: check.status === 'changed' ? check.wasVerified : false,
      };
      this.#onContacts(this.contactStatus());
    }
    return parsed;
  }

  async #known(conn: Connection, username: string): Promise<PublicIdentity[]> {
    return this.#directory.get(username) ?? (await this.fetchIdentities(conn, username));
  }

  #lookup = (username: string, keyVersion: number): PublicIdentity | undefined =>
    this.#directory.get(username)?.find((p) => p.keyVersion === keyVersion);

  #remember(identity: PublicIdentity, verified: boolean): void {
    this.#contacts[identity.username] = rememberContact(identity, verified);
    this.#storage.setItem(contactsKey(this.me), JSON.stringify(this.#contacts));
  }

  /** The 60-digit safety number with a contact, grouped in fives, and whether it is marked verified. */
  async safetyNumber(conn: Connection, username: string): Promise<{ digits: string; verified: boolean; status: ContactKeys }> {
    const current = (await this.fetchIdentities(conn, username)).at(-1);
    if (!current) throw new ParleyError('USER_NOT_FOUND', `${username} has no keys yet.`);
    const status = this.#status[username]!;
    return { digits: formatDigits(safetyNumber(publicIdentityOf(this.identity, this.me), current)), verified: status.verified, status };
  }

  /**
   * Marks the contact's current keys verified (after comparing safety numbers), or accepts changed keys.
   * With `comparedDigits`, only if the current keys still give that safety number: keys that changed after the
   * number was shown were never compared.
   */
  async trust(conn: Connection, username: string, verified: boolean, comparedDigits?: string): Promise<void> {
    const current = (await this.fetchIdentities(conn, username)).at(-1);
    if (!current) throw new ParleyError('USER_NOT_FOUND', `${username} has no keys yet.`);
    if (comparedDigits !== undefined && formatDigits(safetyNumber(publicIdentityOf(this.identity, this.me), current)) !== comparedDigits) {
      throw new ParleyError('KEYS_CHANGED', `${username}'s keys changed since that safety number was shown: compare the new one.`);
    }
    this.#remember(current, verified);
    this.#status[username] = { status: 'same', verified, wasVerified: false };
    this.#onContacts(this.contactStatus());
  }

  /** Loads and opens every epoch key of a conversation sealed to us. */
  async loadEpochKeys(conn: Connection, conversationId: number, peer: string): Promise<void> {
    const { epochs } = await conn.request('epochKeys', { conversationId });
    const members = peer === this.me ? [this.me] : [this.me, peer];
    for (const e of epochs) {
      await this.#known(conn, e.creator);
      const opened = openEpochKey({
        sealed: e.sealed,
        conversationId,
        epoch: e.epoch,
        me: this.identity,
        myName: this.me,
        creatorName: e.creator,
        members,
        keys: this.#lookup,
      });
      if (opened.ok) this.#addEpochKey(conversationId, e.epoch, opened.epochKey);
    }
  }

  #addEpochKey(conversationId: number, epoch: number, key: Uint8Array): void {
    let map = this.#epochKeys.get(conversationId);
    if (!map) this.#epochKeys.set(conversationId, (map = new Map()));
    map.set(epoch, key);
  }

  #newestEpoch(conversationId: number): [number, Uint8Array] | undefined {
    const map = this.#epochKeys.get(conversationId);
    if (!map || map.size === 0) return undefined;
    const epoch = Math.max(...map.keys());
    return [epoch, map.get(epoch)!];
  }

  /** The key to send with: the newest known epoch, or a new epoch 1 sealed to both members. */
  async sendKey(conn: Connection, conversationId: number, peer: string): Promise<[number, Uint8Array]> {
    let newest = this.#newestEpoch(conversationId);
    if (!newest) {
      await this.loadEpochKeys(conn, conversationId, peer);
      newest = this.#newestEpoch(conversationId);
    }
    if (newest) return newest;
    const members = peer === this.me ? [this.me] : [this.me, peer];
    const keys = [];
    const epochKey = newEpochKey();
    for (const member of members) {
      const recipient = (await this.fetchIdentities(conn, member)).at(-1);
      if (!recipient) throw new ParleyError('NO_KEYS', `${member} has no end-to-end encryption keys.`);
      if (this.#status[member]?.status === 'changed') {
        throw new ParleyError('KEYS_CHANGED', `${member}'s keys changed: verify the safety number before sending.`);
      }
      keys.push({
        recipient: member,
        sealed: sealEpochKey({ epochKey, conversationId, epoch: 1, recipient, creator: this.identity, creatorName: this.me }),
      });
    }
    try {
      await conn.request('addEpoch', { conversationId, epoch: 1, keys });
      this.#addEpochKey(conversationId, 1, epochKey);
    } catch (error) {
      if (!(error instanceof ParleyError && error.code === 'EPOCH_CONFLICT')) throw error;
      await this.loadEpochKeys(conn, conversationId, peer);
    }
    newest = this.#newestEpoch(conversationId);
    if (!newest) throw new ParleyError('INVALID_KEYS', 'No usable conversation key.');
    return newest;
  }

  /** An `epoch` event: open the copy sealed to us. */
  async onEpoch(conn: Connection, conversationId: number, epoch: number, creator: string, sealed: string, peer: string): Promise<void> {
    await this.#known(conn, creator);
    const opened = openEpochKey({
      sealed,
      conversationId,
      epoch,
      me: this.identity,
      myName: this.me,
      creatorName: creator,
      members: peer === this.me ? [this.me] : [this.me, peer],
      keys: this.#lookup,
    });
    if (opened.ok) this.#addEpochKey(conversationId, epoch, opened.epochKey);
  }

  async encrypt(conn: Connection, conversationId: number, peer: string, clientMsgId: string, text: string): Promise<string> {
    if (this.#status[peer]?.status === 'changed') {
      throw new ParleyError('KEYS_CHANGED', `${peer}'s keys changed: verify the safety number before sending.`);
    }
    const [epoch, epochKey] = await this.sendKey(conn, conversationId, peer);
    const result = encryptMessage({ conversationId, sender: this.me, clientMsgId, text, epoch, epochKey, identity: this.identity });
    if (!result.ok) throw new ParleyError('MESSAGE_TOO_LONG', 'The message is too long to encrypt.');
    return result.body;
  }

  #decryptOne(m: Message): ClientMessage {
    const result = decryptMessage({
      conversationId: m.conversationId,
      sender: m.from,
      clientMsgId: m.clientMsgId,
      body: m.body,
      epochKeys: (epoch) => this.#epochKeys.get(m.conversationId)?.get(epoch),
      keys: this.#lookup,
    });
    if (result.ok) return { ...m, body: result.text };
    return { ...m, body: '', failure: { reason: result.reason, explanation: EXPLANATIONS[result.reason] } };
  }

  /** Decrypts a batch; fetches missing sender keys and epoch keys once, then gives up with a reason. */
  async decrypt(conn: Connection | null, messages: readonly Message[]): Promise<ClientMessage[]> {
    const out = messages.map((m) => this.#decryptOne(m));
    if (!conn) return out;
    const retry = out.filter((m) => m.failure?.reason === 'unknown-sender-key' || m.failure?.reason === 'unknown-epoch');
    if (retry.length === 0) return out;
    const senders = new Set(retry.filter((m) => m.failure?.reason === 'unknown-sender-key').map((m) => m.from));
    const conversations = new Map(retry.map((m) => [m.conversationId, m.from === this.me ? m.to : m.from]));
    try {
      for (const sender of senders) await this.fetchIdentities(conn, sender);
      for (const [id, peer] of conversations) await this.loadEpochKeys(conn, id, peer);
    } catch {
      return out; // offline: shown with the reason; a later load tries again
    }
    return messages.map((m) => this.#decryptOne(m));
  }
}

export const plaintextTooLong = (text: string, limit: number): boolean => utf8Length(text) > limit;

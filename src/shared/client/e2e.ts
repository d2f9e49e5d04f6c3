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
  rememberContact,
  safetyNumber,
  sealEpochKey,
  sealIdentity,
  toBase64url,
  type ContactRecord,
  type DecryptFailure,
  type Identity,
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

export async function derive(username: string, password: string, salt: Uint8Array, kdf: unknown) {
  const derived = await deriveKeys({ username, password, salt, kdf });
  if (!derived.ok) {
    throw new ParleyError(
      'INVALID_KEYS',
      derived.reason === 'kdf-rejected'
        ? 'The server asked for unsafe key derivation parameters; not logging in.'
        : 'The server sent an unusable salt; not logging in.',
    );
  }
  return derived;
}

/** New account: the auth key replaces the password; the identity is sealed with the wrap key. */
export async function registration(username: string, password: string) {
  const salt = newSalt();
  const { authKey, wrapKey } = await derive(username, password, salt, KDF_DEFAULT);
  const identity = generateIdentity();
  const credentials: Credentials = {
    password: toBase64url(authKey),
    salt: toBase64url(salt),
    kdf: { ...KDF_DEFAULT },
    publicIdentity: encodePublicIdentity(identity, username),
    keyBundle: sealIdentity({ identity, username, wrapKey }),
  };
  return { credentials, identity, wrapKey };
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

/** What login and myKeys give to unlock with: the current keys and, after identity resets, the older versions' bundles. */
export interface SealedKeys {
  keyBundle: string;
  publicIdentity: string;
  oldKeyBundles?: readonly string[] | undefined;
}

/**
 * Opens the current identity and every older one (kept after identity resets, so history sealed to them
 * still opens). All must open with this wrap key: a bundle that does not was changed by the server.
 */
export function unlockAll(username: string, keys: SealedKeys, wrapKey: Uint8Array): { identity: Identity; oldIdentities: Identity[] } {
  const identity = unlock(username, keys.keyBundle, keys.publicIdentity, wrapKey);
  const oldIdentities: Identity[] = [];
  for (const bundle of keys.oldKeyBundles ?? []) {
    const opened = openIdentity({ bundle, username, wrapKey });
    const last = oldIdentities.at(-1)?.keyVersion ?? 0;
    if (!opened.ok || opened.identity.keyVersion <= last || opened.identity.keyVersion >= identity.keyVersion) {
      throw new ParleyError('INVALID_KEYS', 'Your older keys could not be opened with this password: the server may have changed them. Not logging in.');
    }
    oldIdentities.push(opened.identity);
  }
  return { identity, oldIdentities };
}

/** The recipient key version a sealed epoch key (`ek1.`) names, read from its header without opening it. */
const sealedToVersion = (sealed: string): number | undefined => {
  const bytes = sealed.startsWith('ek1.') ? fromBase64url(sealed.slice(4)) : undefined;
  return bytes && bytes.length >= 16 ? new DataView(bytes.buffer, bytes.byteOffset).getUint32(12) : undefined;
};

/** One signed-in user's keys and what they learned from the server, for one client. */
export class Keyring {
  readonly identity: Identity;
  /** Identities from before identity resets, by key version: epoch keys sealed to them still open. */
  readonly oldIdentities: ReadonlyMap<number, Identity>;
  readonly me: string;
  readonly #storage: StorageAdapter;
  readonly #directory = new Map<string, PublicIdentity[]>();
  readonly #epochKeys = new Map<number, Map<number, Uint8Array>>();
  /** `conversationId/epoch` → the key version of ours that epoch's key was sealed to. */
  readonly #sealedTo = new Map<string, number>();
  readonly #contacts: Record<string, ContactRecord>;
  readonly #onContacts: (contacts: Record<string, ContactKeys>) => void;
  readonly #status: Record<string, ContactKeys> = {};

  constructor(
    me: string,
    identity: Identity,
    storage: StorageAdapter,
    onContacts: (contacts: Record<string, ContactKeys>) => void,
    oldIdentities: readonly Identity[] = [],
  ) {
    this.me = me;
    this.identity = identity;
    this.oldIdentities = new Map(oldIdentities.map((i) => [i.keyVersion, i]));
    this.#storage = storage;
    this.#onContacts = onContacts;
    // Oldest first, as the server lists them: our own old messages verify with our old keys.
    this.#directory.set(me, [...oldIdentities, identity].map((i) => publicIdentityOf(i, me)));
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

  /** Our identity at the key version a sealed epoch key names (the current one when it names none we have). */
  #identityFor(sealed: string): Identity {
    const version = sealedToVersion(sealed);
    return (version === undefined ? undefined : this.oldIdentities.get(version)) ?? this.identity;
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
        me: this.#identityFor(e.sealed),
        myName: this.me,
        creatorName: e.creator,
        members,
        keys: this.#lookup,
      });
      if (opened.ok) this.#addEpochKey(conversationId, e.epoch, opened.epochKey, e.sealed);
    }
  }

  #addEpochKey(conversationId: number, epoch: number, key: Uint8Array, sealed?: string): void {
    let map = this.#epochKeys.get(conversationId);
    if (!map) this.#epochKeys.set(conversationId, (map = new Map()));
    map.set(epoch, key);
    this.#sealedTo.set(`${conversationId}/${epoch}`, (sealed === undefined ? undefined : sealedToVersion(sealed)) ?? this.identity.keyVersion);
  }

  /** The newest epoch, if its key was sealed to our current keys: after an identity reset the old keys send nothing. */
  #sendableEpoch(conversationId: number): [number, Uint8Array] | undefined {
    const newest = this.#newestEpoch(conversationId);
    return newest && this.#sealedTo.get(`${conversationId}/${newest[0]}`) === this.identity.keyVersion ? newest : undefined;
  }

  #newestEpoch(conversationId: number): [number, Uint8Array] | undefined {
    const map = this.#epochKeys.get(conversationId);
    if (!map || map.size === 0) return undefined;
    const epoch = Math.max(...map.keys());
    return [epoch, map.get(epoch)!];
  }

  /**
   * The key to send with: the newest known epoch, or a new epoch sealed to both members at their current
   * keys (epoch 1, or the next one when the newest was sealed to keys we had before an identity reset).
   */
  async sendKey(conn: Connection, conversationId: number, peer: string): Promise<[number, Uint8Array]> {
    let sendable = this.#sendableEpoch(conversationId);
    if (!sendable) {
      await this.loadEpochKeys(conn, conversationId, peer);
      sendable = this.#sendableEpoch(conversationId);
    }
    // Two tries: another member may have added the next epoch meanwhile (EPOCH_CONFLICT), sealed to our old keys.
    for (let attempt = 0; !sendable && attempt < 2; attempt++) {
      await this.#addEpoch(conn, conversationId, peer, (this.#newestEpoch(conversationId)?.[0] ?? 0) + 1);
      sendable = this.#sendableEpoch(conversationId);
    }
    if (!sendable) throw new ParleyError('INVALID_KEYS', 'No usable conversation key.');
    return sendable;
  }

  async #addEpoch(conn: Connection, conversationId: number, peer: string, epoch: number): Promise<void> {
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
        sealed: sealEpochKey({ epochKey, conversationId, epoch, recipient, creator: this.identity, creatorName: this.me }),
      });
    }
    try {
      await conn.request('addEpoch', { conversationId, epoch, keys });
      this.#addEpochKey(conversationId, epoch, epochKey);
    } catch (error) {
      if (!(error instanceof ParleyError && error.code === 'EPOCH_CONFLICT')) throw error;
      await this.loadEpochKeys(conn, conversationId, peer);
    }
  }

  /** An `epoch` event: open the copy sealed to us. */
  async onEpoch(conn: Connection, conversationId: number, epoch: number, creator: string, sealed: string, peer: string): Promise<void> {
    await this.#known(conn, creator);
    const opened = openEpochKey({
      sealed,
      conversationId,
      epoch,
      me: this.#identityFor(sealed),
      myName: this.me,
      creatorName: creator,
      members: peer === this.me ? [this.me] : [this.me, peer],
      keys: this.#lookup,
    });
    if (opened.ok) this.#addEpochKey(conversationId, epoch, opened.epochKey, sealed);
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

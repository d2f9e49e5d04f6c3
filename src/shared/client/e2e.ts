// The client's end-to-end keys: derive and unlock, contacts' checked identities, conversation keys, encrypt and decrypt.
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import {
  BODY_MAX_LENGTH,
  decryptMessage,
  deriveKeys,
  encodePublicIdentity,
  encryptMessage,
  envelopeHeader,
  fingerprint,
  formatDigits,
  fromBase64url,
  generateIdentity,
  KDF_DEFAULT,
  maxPlaintextBytes,
  membersHash,
  newEpochKey,
  newSalt,
  openVault,
  openEpochKey,
  openIdentity,
  parsePublicIdentity,
  publicIdentityOf,
  REALM_PATTERN,
  safetyNumber,
  sealEpochKey,
  sealedEpochKeyHeader,
  sealIdentity,
  sealVault,
  toBase64url,
  type ContactRecord,
  type DecryptFailure,
  type Identity,
  type Member,
  type KdfFailure,
  type PublicIdentity,
} from '../crypto/index.js';
import { ParleyError } from '../errors.js';
import type { KdfParams, Message } from '../protocol.js';
import type { Connection } from './connection.js';
import { timeOfClientMsgId } from './ids.js';
import { STORAGE_KEYS, type StorageAdapter } from './storage.js';

/**
 * Why a message is not shown as text: the crypto core's reasons, and the client's own: 'unaccepted-key'
 * (signed by a key version of the sender this client has not accepted), 'not-a-member' (the sender is not
 * a pinned member of the conversation, or not of the epoch), 'replayed' (a second copy of an earlier
 * message). `explanation` is fit to show in place of the text.
 */
export type FailureReason = DecryptFailure | 'unaccepted-key' | 'not-a-member' | 'replayed';

export interface MessageFailure {
  reason: FailureReason;
  explanation: string;
}

/**
 * A delivered message as the SDK keeps it: `body` is the decrypted text, or '' with `failure` set. `warning`
 * is set on a shown message whose signed creation time and the server's time disagree by much.
 */
export type ClientMessage = Message & { failure?: MessageFailure; warning?: string };

/** What the client knows about a contact's keys: trust on first use, verified, or changed (warn loudly). */
export interface ContactKeys {
  status: 'new' | 'same' | 'changed';
  verified: boolean;
  /** Set when the keys changed after they had been verified: the loudest warning. */
  wasVerified: boolean;
}

/** Something about a conversation's keys or members the user must be able to see, in the conversation. */
export interface SecurityEvent {
  id: number;
  conversationId: number;
  kind: 'new-epoch' | 'epoch-refused' | 'conversation-mismatch';
  /** A sentence fit to show. */
  text: string;
  /** When this client learned it (ms). */
  at: number;
  epoch?: number;
  creator?: string;
}

export const EXPLANATIONS: Record<FailureReason, string> = {
  'not-encrypted': 'not encrypted — not shown',
  'unsupported-version': 'sent from a newer Parley; update to read it',
  malformed: 'damaged message',
  'wrong-conversation': 'this message was moved from another conversation',
  'unknown-sender-key': "can't verify the sender",
  'bad-signature': 'forged or altered message',
  'unknown-epoch': "can't decrypt: no key for it",
  tampered: "can't decrypt: keys disagree",
  'unsupported-content': 'sent from a newer Parley',
  'unaccepted-key': 'signed by keys you have not accepted — compare safety numbers first',
  'not-a-member': 'from someone who is not in this conversation — not shown',
  replayed: 'a second copy of an earlier message (replayed) — not shown',
};

/** A message whose signed creation time is this far after the server's time is flagged (clocks drift a little). */
const SKEW_AHEAD_MS = 10 * 60_000;
/** …or this far before it: an outbox can hold a message for a while, but not for days unnoticed. */
const SKEW_BEHIND_MS = 24 * 3_600_000;

/** A warning when the time in the signed clientMsgId and the server's `ts` disagree by much; undefined otherwise. */
export function clockSkewWarning(clientMsgId: string, ts: number): string | undefined {
  const written = timeOfClientMsgId(clientMsgId);
  if (written === undefined) return undefined;
  const span = (ms: number) => (ms >= 2 * 86_400_000 ? `${Math.round(ms / 86_400_000)} days` : `${Math.max(1, Math.round(ms / 3_600_000))} hours`);
  if (written - ts > SKEW_AHEAD_MS) return `written ${span(written - ts)} after the time the server gives it: the time shown may be wrong`;
  if (ts - written > SKEW_BEHIND_MS) return `written ${span(ts - written)} before the time the server gives it: it may have been held back`;
  return undefined;
}

const utf8Length = (text: string): number => new TextEncoder().encode(text).length;

const contactsKey = STORAGE_KEYS.contacts;
const pinsKey = STORAGE_KEYS.pins;
const conversationsKey = STORAGE_KEYS.conversations;
const wrapKeyKey = STORAGE_KEYS.wrapKey;

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

/** Every identity from before identity resets, sealed with `wrapKey`, oldest first (what changePassword must carry). */
export const sealOldIdentities = (username: string, oldIdentities: readonly Identity[], wrapKey: Uint8Array): string[] =>
  [...oldIdentities].sort((a, b) => a.keyVersion - b.keyVersion).map((identity) => sealIdentity({ identity, username, wrapKey }));

/** The `changePassword` request of an upgrade: the private keys (every key version's) re-sealed with the v2 wrap key. */
export const upgradeRequest = (pending: PendingUpgrade, identity: Identity, oldIdentities: readonly Identity[] = []) => {
  const oldKeyBundles = sealOldIdentities(pending.username, oldIdentities, pending.fresh.wrapKey);
  return {
    password: pending.oldAuthKey,
    newPassword: pending.fresh.authKey,
    salt: pending.fresh.salt,
    kdf: pending.fresh.kdf,
    keyBundle: sealIdentity({ identity, username: pending.username, wrapKey: pending.fresh.wrapKey }),
    ...(oldKeyBundles.length > 0 ? { oldKeyBundles } : {}),
    upgrade: true as const,
  };
};

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

/** What this client accepted of one contact's keys: every key version's public keys, and whether the newest was verified. */
interface ContactPin {
  /** keyVersion → hex of X25519 public ‖ Ed25519 public. */
  keys: Record<string, string>;
  verified: boolean;
  /** When this record last changed (ms), on whichever of the user's devices: the newer one wins a merge. */
  at?: number;
}

/** What the vault holds: the user's pins, per contact. */
interface VaultContent {
  v: 1;
  contacts: Record<string, ContactPin>;
}

/** One serialisation per content (keys sorted), so two devices holding the same pins write the same text. */
const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );

const isPin = (value: unknown): value is ContactPin => {
  const pin = value as ContactPin;
  return (
    typeof pin === 'object' &&
    pin !== null &&
    typeof pin.verified === 'boolean' &&
    (pin.at === undefined || typeof pin.at === 'number') &&
    typeof pin.keys === 'object' &&
    pin.keys !== null &&
    Object.entries(pin.keys).every(([version, hex]) => /^[1-9][0-9]{0,9}$/.test(version) && typeof hex === 'string' && /^[0-9a-f]{128}$/.test(hex))
  );
};

/** One epoch key this client opened, with (ek2) the member set it was sealed to. */
interface EpochEntry {
  key: Uint8Array;
  version: 1 | 2;
  members?: Member[];
  membersHash?: Uint8Array;
}

/** "alice's device started …" (undefined: this user); the first key says the conversation is encrypted. */
const newEpochText = (creator: string | undefined, epoch: number): string =>
  `${creator === undefined ? 'Your device' : `${creator}'s device`} ${epoch === 1 ? 'made the conversation key: messages are end-to-end encrypted' : `started a new conversation key (key ${epoch})`}.`;

const keysHex = (p: PublicIdentity): string => bytesToHex(p.x25519) + bytesToHex(p.ed25519);
const pinnedIdentity = (username: string, keyVersion: number, hex: string): PublicIdentity => ({
  username,
  keyVersion,
  x25519: hexToBytes(hex.slice(0, 64)),
  ed25519: hexToBytes(hex.slice(64)),
});
const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

function readJson<T>(storage: StorageAdapter, key: string, fallback: T): T {
  try {
    const text = storage.getItem(key);
    return text === null ? fallback : (JSON.parse(text) as T);
  } catch {
    return fallback; // an unreadable record means first use again
  }
}

/**
 * One signed-in user's keys and what they decided to trust, for one client. Nothing the server says is
 * trusted by itself: contacts' key versions are pinned (first use, or when the user accepts a change), only
 * pinned keys verify signatures, a conversation's members are pinned when the client first sees it, and an
 * epoch key is used only when its creator and member set match those pins.
 */
export class Keyring {
  readonly identity: Identity;
  /** Identities from before identity resets, by key version: epoch keys sealed to them still open. */
  readonly oldIdentities: ReadonlyMap<number, Identity>;
  readonly me: string;
  readonly #storage: StorageAdapter;
  /** Contacts' pinned key versions (persisted). */
  readonly #pins: Record<string, ContactPin>;
  /** What the server listed last, checked and parsed: pinned or not. */
  readonly #listed = new Map<string, PublicIdentity[]>();
  /** Conversation id → the usernames pinned as its members (persisted). */
  #members: Record<string, string[]>;
  /** The server database's generation the member pins belong to (conversation ids restart after a restore). */
  #generation: string | undefined;
  readonly #epochs = new Map<number, Map<number, EpochEntry>>();
  /** The highest epoch the server listed for a conversation, opened or not (a new one must go above it). */
  readonly #maxEpoch = new Map<number, number>();
  readonly #reported = new Set<string>();
  readonly #onContacts: (contacts: Record<string, ContactKeys>) => void;
  readonly #onSecurity: (event: Omit<SecurityEvent, 'id'>) => void;
  /** Told when the pins change here (the client syncs them to the user's other devices). */
  readonly #onPins: () => void;
  readonly #status: Record<string, ContactKeys> = {};
  readonly #now: () => number;

  constructor(
    me: string,
    identity: Identity,
    storage: StorageAdapter,
    onContacts: (contacts: Record<string, ContactKeys>) => void,
    onSecurity: (event: Omit<SecurityEvent, 'id'>) => void = () => {},
    now: () => number = Date.now,
    oldIdentities: readonly Identity[] = [],
    onPins: () => void = () => {},
    generation?: string,
  ) {
    this.#onPins = onPins;
    this.me = me;
    this.identity = identity;
    this.oldIdentities = new Map(oldIdentities.map((i) => [i.keyVersion, i]));
    this.#storage = storage;
    this.#onContacts = onContacts;
    this.#onSecurity = onSecurity;
    this.#now = now;
    this.#pins = readJson<Record<string, ContactPin>>(storage, pinsKey(me), {});
    const stored = readJson<{ generation?: string; members?: Record<string, string[]> } & Record<string, unknown>>(storage, conversationsKey(me), {});
    // Older clients stored the map alone; pins of another generation (before a restore) name other conversations.
    const members = stored.members ?? (stored as unknown as Record<string, string[]>);
    this.#generation = generation;
    this.#members = stored.members !== undefined && stored.generation !== generation ? {} : members;
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

  #savePins(): void {
    this.#storage.setItem(pinsKey(this.me), JSON.stringify(this.#pins));
    this.#onPins();
  }

  /** The vault text of a device that pinned nothing. */
  emptyVaultText(): string {
    return canonicalJson({ v: 1, contacts: {} });
  }

  /** Seals the vault text for the server with the current identity. */
  sealVault(text: string): string {
    return sealVault({ text, username: this.me, identity: this.identity });
  }

  /** Opens a vault sealed by one of the user's devices (with the key version it names); undefined if it does not open. */
  openVault(sealed: string): string | undefined {
    for (const identity of [this.identity, ...this.oldIdentities.values()]) {
      const opened = openVault({ sealed, username: this.me, identity });
      if (opened.ok) return opened.text;
    }
    return undefined;
  }

  /** The pins as the vault's text (the user's other devices merge it). */
  vaultText(): string {
    const content: VaultContent = { v: 1, contacts: this.#pins };
    return canonicalJson(content);
  }

  /**
   * Merges what another device of the user pinned: every key version either accepted is kept (a version pinned
   * with other keys on both takes the newer record's), and per contact the newer record's verified flag wins.
   * Contacts already checked this session are checked again against the merged pins. Malformed text changes
   * nothing. Returns whether the local pins changed.
   */
  mergeVault(text: string): boolean {
    let content: VaultContent;
    try {
      content = JSON.parse(text) as VaultContent;
    } catch {
      return false;
    }
    if (content?.v !== 1 || typeof content.contacts !== 'object' || content.contacts === null) return false;
    let changed = false;
    for (const [username, remote] of Object.entries(content.contacts)) {
      if (username === this.me || !isPin(remote)) continue;
      const local = this.#pins[username];
      const remoteNewer = (remote.at ?? 0) > (local?.at ?? 0);
      const keys = remoteNewer ? { ...local?.keys, ...remote.keys } : { ...remote.keys, ...local?.keys };
      const merged: ContactPin = { keys, verified: remoteNewer ? remote.verified : (local?.verified ?? false), at: Math.max(remote.at ?? 0, local?.at ?? 0) };
      if (canonicalJson(merged) === canonicalJson(local)) continue;
      this.#pins[username] = merged;
      changed = true;
      const listed = this.#listed.get(username);
      if (listed) this.#recheck(username, listed);
    }
    if (changed) {
      this.#storage.setItem(pinsKey(this.me), JSON.stringify(this.#pins));
      this.#onContacts(this.contactStatus());
    }
    return changed;
  }

  /** The identity of mine that a key version names: the current one, or one from before an identity reset. */
  #mine(keyVersion: number): Identity | undefined {
    return keyVersion === this.identity.keyVersion ? this.identity : this.oldIdentities.get(keyVersion);
  }

  /** Only pinned keys (and my own) verify anything. */
  #lookup = (username: string, keyVersion: number): PublicIdentity | undefined => {
    if (username === this.me) {
      const mine = this.#mine(keyVersion);
      return mine && publicIdentityOf(mine, username);
    }
    const hex = this.#pins[username]?.keys[String(keyVersion)];
    return hex === undefined ? undefined : pinnedIdentity(username, keyVersion, hex);
  };

  /** The contact's newest pinned key version, the one new epochs are sealed to. */
  #currentPinned(username: string): PublicIdentity | undefined {
    if (username === this.me) return publicIdentityOf(this.identity, username);
    const pin = this.#pins[username];
    if (!pin) return undefined;
    const versions = Object.keys(pin.keys).map(Number);
    if (versions.length === 0) return undefined;
    const newest = Math.max(...versions);
    return pinnedIdentity(username, newest, pin.keys[String(newest)]!);
  }

  /**
   * A pin made from what an older client remembered (one fingerprint, no key versions): the listed versions
   * up to the one whose fingerprint matches are taken as accepted; none matching means the keys changed.
   */
  #migrate(username: string, listed: PublicIdentity[]): ContactPin | undefined {
    const old = readJson<Record<string, ContactRecord>>(this.#storage, contactsKey(this.me), {})[username];
    if (!old) return undefined;
    const pin: ContactPin = { keys: {}, verified: old.verified };
    const match = listed.findIndex((p) => fingerprint(p) === old.fingerprint);
    for (const p of match < 0 ? [] : listed.slice(0, match + 1)) pin.keys[String(p.keyVersion)] = keysHex(p);
    return pin;
  }

  /**
   * Fetches a user's identities and checks every one the server lists against the pins: versions must be
   * unique and increasing, a pinned version must keep its keys, and a version never accepted (newer, or an
   * older one slipped in) makes the contact 'changed' until the user accepts it. First contact pins them all.
   */
  async fetchIdentities(conn: Connection, username: string): Promise<PublicIdentity[]> {
    if (username === this.me) return [publicIdentityOf(this.identity, username)];
    const { identities } = await conn.request('identity', { username });
    const listed: PublicIdentity[] = [];
    let consistent = identities.length > 0;
    for (const text of identities) {
      const result = parsePublicIdentity(text, username);
      if (!result.ok) consistent = false;
      else if (listed.length > 0 && result.identity.keyVersion <= listed.at(-1)!.keyVersion) consistent = false;
      else listed.push(result.identity);
    }
    this.#listed.set(username, listed);
    let pin = this.#pins[username] ?? this.#migrate(username, listed);
    if (!pin && consistent) {
      // First use is not a decision of the user's: any device's explicit accept or verify (a later `at`) wins a merge.
      pin = { keys: Object.fromEntries(listed.map((p) => [String(p.keyVersion), keysHex(p)])), verified: false, at: 0 };
      this.#pins[username] = pin;
      this.#savePins();
      this.#status[username] = { status: 'new', verified: false, wasVerified: false };
    } else {
      if (pin && !this.#pins[username]) {
        this.#pins[username] = pin;
        this.#savePins();
      }
      this.#recheck(username, consistent ? listed : undefined);
    }
    this.#onContacts(this.contactStatus());
    return listed;
  }

  /** The contact's status from the pins and what the server listed (undefined: a list that was not consistent). */
  #recheck(username: string, listed: readonly PublicIdentity[] | undefined): void {
    const pin = this.#pins[username];
    const keys = pin?.keys;
    const accepted = keys !== undefined && listed !== undefined && listed.every((p) => keys[String(p.keyVersion)] === keysHex(p));
    this.#status[username] = accepted
      ? { status: 'same', verified: pin!.verified, wasVerified: false }
      : { status: 'changed', verified: false, wasVerified: pin?.verified ?? false };
  }

  async #known(conn: Connection, username: string): Promise<void> {
    if (username !== this.me && !this.#listed.has(username)) await this.fetchIdentities(conn, username);
  }

  /** The 60-digit safety number with a contact's newest listed keys, grouped in fives, and whether it is marked verified. */
  async safetyNumber(conn: Connection, username: string): Promise<{ digits: string; verified: boolean; status: ContactKeys }> {
    const current = (await this.fetchIdentities(conn, username)).at(-1);
    if (!current) throw new ParleyError('USER_NOT_FOUND', `${username} has no keys yet.`);
    const status = this.#status[username]!;
    return { digits: formatDigits(safetyNumber(publicIdentityOf(this.identity, this.me), current)), verified: status.verified, status };
  }

  /**
   * Marks the contact's current keys verified (after comparing safety numbers), or accepts changed keys:
   * every version the server lists now is pinned. With `comparedDigits`, only if the newest keys still give
   * that safety number: keys that changed after the number was shown were never compared.
   */
  async trust(conn: Connection, username: string, verified: boolean, comparedDigits?: string): Promise<void> {
    const listed = await this.fetchIdentities(conn, username);
    const current = listed.at(-1);
    if (!current) throw new ParleyError('USER_NOT_FOUND', `${username} has no keys yet.`);
    if (comparedDigits !== undefined && formatDigits(safetyNumber(publicIdentityOf(this.identity, this.me), current)) !== comparedDigits) {
      throw new ParleyError('KEYS_CHANGED', `${username}'s keys changed since that safety number was shown: compare the new one.`);
    }
    this.#pins[username] = { keys: Object.fromEntries(listed.map((p) => [String(p.keyVersion), keysHex(p)])), verified, at: this.#now() };
    this.#savePins();
    this.#status[username] = { status: 'same', verified, wasVerified: false };
    this.#onContacts(this.contactStatus());
  }

  #saveMembers(): void {
    this.#storage.setItem(conversationsKey(this.me), JSON.stringify({ generation: this.#generation, members: this.#members }));
  }

  /**
   * The server's database was restored from a backup (its generation changed): conversation ids and epochs
   * known here may now name other conversations, so the member pins and epoch keys start over. Contacts'
   * key pins stay: they do not depend on the server's database.
   */
  serverRestored(generation: string): void {
    this.#generation = generation;
    this.#members = {};
    this.#epochs.clear();
    this.#maxEpoch.clear();
    this.#reported.clear();
    this.#saveMembers();
  }

  /** The usernames pinned as a conversation's members, if this client has seen it. */
  membersOf(conversationId: number): readonly string[] | undefined {
    return this.#members[String(conversationId)];
  }

  /**
   * Pins a conversation's members the first time this client sees it (from its own `open`, or the server's
   * first word on it); afterwards answers whether the server's claim still matches. Never changes a pin.
   */
  pinConversation(conversationId: number, usernames: readonly string[]): boolean {
    const members = [...new Set(usernames)].sort();
    const pinned = this.#members[String(conversationId)];
    if (pinned) return pinned.length === members.length && pinned.every((m, i) => m === members[i]);
    this.#members[String(conversationId)] = members;
    this.#saveMembers();
    return true;
  }

  /** Throws CONVERSATION_MISMATCH unless the conversation is pinned (or now pins) to exactly me and `peer`. */
  requireConversation(conversationId: number, peer: string): void {
    if (!this.pinConversation(conversationId, [this.me, peer])) {
      this.#security({
        conversationId,
        kind: 'conversation-mismatch',
        text: `The server named this conversation for a message to ${peer}, but it has other members: nothing was sent. The server may be misdirecting messages.`,
      });
      throw new ParleyError('CONVERSATION_MISMATCH', `The server answered with a conversation that is not with ${peer}; nothing was sent.`);
    }
  }

  #security(event: Omit<SecurityEvent, 'id' | 'at'>): void {
    const key = `${event.conversationId}:${event.kind}:${event.epoch ?? ''}:${event.creator ?? ''}:${event.kind === 'conversation-mismatch' ? event.text : ''}`;
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    this.#onSecurity({ ...event, at: this.#now() });
  }

  #addEpoch(conversationId: number, epoch: number, entry: EpochEntry): void {
    let map = this.#epochs.get(conversationId);
    if (!map) this.#epochs.set(conversationId, (map = new Map()));
    map.set(epoch, entry);
    this.#maxEpoch.set(conversationId, Math.max(this.#maxEpoch.get(conversationId) ?? 0, epoch));
  }

  /** Opens one sealed copy against the pinned members; a refusal the user must know of becomes a security event. */
  async #openEpoch(conn: Connection, conversationId: number, epoch: number, creator: string, sealed: string): Promise<void> {
    this.#maxEpoch.set(conversationId, Math.max(this.#maxEpoch.get(conversationId) ?? 0, epoch));
    if (this.#epochs.get(conversationId)?.has(epoch)) return;
    const members = this.membersOf(conversationId);
    if (!members) return; // a conversation this client has not seen: its keys load with its first summary or message
    if (members.includes(creator)) await this.#known(conn, creator);
    const header = sealedEpochKeyHeader(sealed);
    const me = header && this.#mine(header.recipientKeyVersion);
    const opened = me
      ? openEpochKey({ sealed, conversationId, epoch, me, myName: this.me, creatorName: creator, members, keys: this.#lookup })
      : ({ ok: false, reason: 'wrong-recipient-key' } as const);
    if (opened.ok) {
      this.#addEpoch(
        conversationId,
        epoch,
        opened.version === 2 ? { key: opened.epochKey, version: 2, members: opened.members, membersHash: opened.membersHash } : { key: opened.epochKey, version: 1 },
      );
      this.#security({ conversationId, kind: 'new-epoch', epoch, creator, text: newEpochText(creator === this.me ? undefined : creator, epoch) });
      return;
    }
    // A key by a contact whose new keys are not accepted yet waits for that (the key change is already shown).
    if (opened.reason === 'unknown-creator-key' && this.#status[creator]?.status === 'changed') return;
    this.#security({
      conversationId,
      kind: 'epoch-refused',
      epoch,
      creator,
      text: `A conversation key said to be from ${creator} was refused (${opened.reason}): it was not made by a member of this conversation. The server may be trying to read it.`,
    });
  }

  /** Loads and opens every epoch key of a conversation sealed to us, checked against its pinned members. */
  async loadEpochKeys(conn: Connection, conversationId: number): Promise<void> {
    const { epochs } = await conn.request('epochKeys', { conversationId });
    for (const e of epochs) await this.#openEpoch(conn, conversationId, e.epoch, e.creator, e.sealed);
  }

  /** An `epoch` event: open the copy sealed to us. */
  async onEpoch(conn: Connection, conversationId: number, epoch: number, creator: string, sealed: string): Promise<void> {
    await this.#openEpoch(conn, conversationId, epoch, creator, sealed);
  }

  /** The member set new messages must go to: every pinned member at their newest accepted key version. */
  async #wantedMembers(conn: Connection, members: readonly string[]): Promise<{ members: Member[]; recipients: PublicIdentity[] }> {
    const recipients: PublicIdentity[] = [];
    for (const member of members) {
      if (member !== this.me && !this.#listed.has(member)) await this.fetchIdentities(conn, member);
      if (this.#status[member]?.status === 'changed') {
        throw new ParleyError('KEYS_CHANGED', `${member}'s keys changed: verify the safety number before sending.`);
      }
      const recipient = this.#currentPinned(member);
      if (!recipient) throw new ParleyError('NO_KEYS', `${member} has no end-to-end encryption keys.`);
      recipients.push(recipient);
    }
    return { members: recipients.map((r) => ({ username: r.username, keyVersion: r.keyVersion })), recipients };
  }

  /** The newest opened epoch, when it was sealed (ek2) to exactly the wanted member set. */
  #usable(conversationId: number, hash: Uint8Array): [number, EpochEntry] | undefined {
    const map = this.#epochs.get(conversationId);
    if (!map || map.size === 0) return undefined;
    const epoch = Math.max(...map.keys());
    const entry = map.get(epoch)!;
    return entry.membersHash && sameBytes(entry.membersHash, hash) ? [epoch, entry] : undefined;
  }

  /**
   * The key to send with: the newest epoch if it was sealed to the conversation's pinned members at their
   * accepted key versions; otherwise a new epoch above every one the server listed, sealed to them (ek2).
   */
  async sendKey(conn: Connection, conversationId: number, peer: string): Promise<[number, EpochEntry]> {
    this.requireConversation(conversationId, peer);
    const { members, recipients } = await this.#wantedMembers(conn, this.membersOf(conversationId)!);
    const hash = membersHash(members);
    let usable = this.#usable(conversationId, hash);
    if (!usable) {
      await this.loadEpochKeys(conn, conversationId);
      usable = this.#usable(conversationId, hash);
    }
    for (let attempt = 0; !usable && attempt < 3; attempt++) {
      const epoch = (this.#maxEpoch.get(conversationId) ?? 0) + 1;
      const epochKey = newEpochKey();
      const keys = recipients.map((recipient) => ({
        recipient: recipient.username,
        sealed: sealEpochKey({ epochKey, conversationId, epoch, recipient, creator: this.identity, creatorName: this.me, members }),
      }));
      try {
        await conn.request('addEpoch', { conversationId, epoch, keys });
        const entry: EpochEntry = { key: epochKey, version: 2, members, membersHash: hash };
        this.#addEpoch(conversationId, epoch, entry);
        this.#security({ conversationId, kind: 'new-epoch', epoch, creator: this.me, text: newEpochText(undefined, epoch) });
        usable = [epoch, entry];
      } catch (error) {
        if (!(error instanceof ParleyError && error.code === 'EPOCH_CONFLICT')) throw error;
        // Another member won the race: use theirs if it fits, else go above it.
        this.#maxEpoch.set(conversationId, Math.max(this.#maxEpoch.get(conversationId) ?? 0, epoch));
        await this.loadEpochKeys(conn, conversationId);
        usable = this.#usable(conversationId, hash);
      }
    }
    if (!usable) throw new ParleyError('INVALID_KEYS', 'No usable conversation key.');
    return usable;
  }

  async encrypt(conn: Connection, conversationId: number, peer: string, clientMsgId: string, text: string): Promise<string> {
    if (this.#status[peer]?.status === 'changed') {
      throw new ParleyError('KEYS_CHANGED', `${peer}'s keys changed: verify the safety number before sending.`);
    }
    const [epoch, entry] = await this.sendKey(conn, conversationId, peer);
    const result = encryptMessage({
      conversationId,
      sender: this.me,
      clientMsgId,
      text,
      epoch,
      epochKey: entry.key,
      membersHash: entry.membersHash!,
      identity: this.identity,
    });
    if (!result.ok) throw new ParleyError('MESSAGE_TOO_LONG', 'The message is too long to encrypt.');
    return result.body;
  }

  #decryptOne(m: Message): ClientMessage {
    const failed = (reason: FailureReason): ClientMessage => ({ ...m, body: '', failure: { reason, explanation: EXPLANATIONS[reason] } });
    // First sight of a conversation without a summary: trust on first use, pinned from now on.
    this.pinConversation(m.conversationId, [m.from, m.to]);
    if (!this.membersOf(m.conversationId)!.includes(m.from)) return failed('not-a-member');
    const epochs = this.#epochs.get(m.conversationId);
    const result = decryptMessage({
      conversationId: m.conversationId,
      sender: m.from,
      clientMsgId: m.clientMsgId,
      body: m.body,
      epochKeys: (epoch) => epochs?.get(epoch)?.key,
      membersHash: (epoch) => epochs?.get(epoch)?.membersHash,
      keys: this.#lookup,
    });
    if (!result.ok) {
      if (result.reason === 'unknown-sender-key') {
        const version = typeof m.body === 'string' ? envelopeHeader(m.body)?.senderKeyVersion : undefined;
        if (this.#listed.get(m.from)?.some((p) => p.keyVersion === version)) return failed('unaccepted-key');
      }
      return failed(result.reason);
    }
    const members = epochs?.get(result.epoch)?.members;
    if (members && !members.some((x) => x.username === m.from && x.keyVersion === result.senderKeyVersion)) return failed('not-a-member');
    const warning = clockSkewWarning(m.clientMsgId, m.ts);
    return { ...m, body: result.text, ...(warning === undefined ? {} : { warning }) };
  }

  /** Decrypts a batch; fetches missing keys of pinned members and epoch keys once, then gives up with a reason. */
  async decrypt(conn: Connection | null, messages: readonly Message[]): Promise<ClientMessage[]> {
    const out = messages.map((m) => this.#decryptOne(m));
    if (!conn) return out;
    const senders = new Set<string>();
    const conversations = new Set<number>();
    for (const [i, m] of out.entries()) {
      const reason = m.failure?.reason;
      if (reason !== 'unknown-sender-key' && reason !== 'unknown-epoch') continue;
      conversations.add(m.conversationId);
      // A key version not listed before is looked up again: the sender may have new keys (a change until accepted).
      const version = envelopeHeader(messages[i]!.body)?.senderKeyVersion;
      if (reason === 'unknown-sender-key' && !this.#listed.get(m.from)?.some((p) => p.keyVersion === version)) senders.add(m.from);
    }
    if (conversations.size === 0) return out;
    try {
      for (const sender of senders) await this.fetchIdentities(conn, sender);
      for (const id of conversations) await this.loadEpochKeys(conn, id);
    } catch {
      return out; // offline: shown with the reason; a later load tries again
    }
    return messages.map((m) => this.#decryptOne(m));
  }
}

/**
 * How much of the server's message limit a text takes once encrypted: its UTF-8 bytes, and the most an
 * envelope can carry within the server's `body` limit (from hello: a server may announce less than the
 * protocol's 16,000 characters). The composer and `send` both count this, so they cannot disagree.
 */
export function messageSize(text: string, bodyMaxLength: number): { bytes: number; maxBytes: number; fits: boolean } {
  const bytes = utf8Length(text);
  const maxBytes = maxPlaintextBytes(Math.min(bodyMaxLength, BODY_MAX_LENGTH));
  return { bytes, maxBytes, fits: bytes <= maxBytes };
}

/** The sentence for a text that does not fit, in the user's terms (characters outside ASCII take 2 to 4 bytes). */
export const tooLongText = (size: { bytes: number; maxBytes: number }): string =>
  `This message is too long to send: ${size.bytes.toLocaleString('en-US')} bytes of text, and at most ${size.maxBytes.toLocaleString('en-US')} fit ` +
  '(letters with accents, other scripts and emoji take 2 to 4 bytes each). Shorten it or send it in parts.';

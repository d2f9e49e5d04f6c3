// Contacts' keys as this client accepted them: every key version pinned on first use or when the user
// accepts a change, checked against what the server lists, merged with the user's other devices (the vault).
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import {
  fingerprint,
  formatDigits,
  openVault,
  parsePublicIdentity,
  publicIdentityOf,
  safetyNumber,
  sealVault,
  type ContactRecord,
  type Identity,
  type PublicIdentity,
} from '../crypto/index.js';
import { ParleyError } from '../errors.js';
import type { ContactKeys } from './e2e-text.js';
import type { ServerSocket } from './server-socket.js';
import { readJson, STORAGE_KEYS, type StorageAdapter } from './storage.js';

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

const keysHex = (p: PublicIdentity): string => bytesToHex(p.x25519) + bytesToHex(p.ed25519);
const pinnedIdentity = (username: string, keyVersion: number, hex: string): PublicIdentity => ({
  username,
  keyVersion,
  x25519: hexToBytes(hex.slice(0, 64)),
  ed25519: hexToBytes(hex.slice(64)),
});

/** The signed-in user's own keys: the current identity and those from before identity resets, by key version. */
export interface OwnIdentities {
  readonly me: string;
  readonly identity: Identity;
  readonly oldIdentities: ReadonlyMap<number, Identity>;
}

export class IdentityPins {
  readonly #own: OwnIdentities;
  readonly #storage: StorageAdapter;
  /** Contacts' pinned key versions (persisted). */
  readonly #pins: Record<string, ContactPin>;
  /** What the server listed last, checked and parsed: pinned or not. */
  readonly #listed = new Map<string, PublicIdentity[]>();
  readonly #status: Record<string, ContactKeys> = {};
  readonly #onContacts: (contacts: Record<string, ContactKeys>) => void;
  /** Told when the pins change here (the client syncs them to the user's other devices). */
  readonly #onPins: () => void;
  readonly #now: () => number;

  constructor(own: OwnIdentities, storage: StorageAdapter, onContacts: (contacts: Record<string, ContactKeys>) => void, onPins: () => void, now: () => number) {
    this.#own = own;
    this.#storage = storage;
    this.#onContacts = onContacts;
    this.#onPins = onPins;
    this.#now = now;
    this.#pins = readJson<Record<string, ContactPin>>(storage, STORAGE_KEYS.pins(own.me), {});
  }

  get #me(): string {
    return this.#own.me;
  }

  contactStatus(): Record<string, ContactKeys> {
    return { ...this.#status };
  }

  /** How this client judged a contact's keys this session; undefined until they were fetched. */
  statusOf(username: string): ContactKeys | undefined {
    return this.#status[username];
  }

  /** Whether the server listed keys of `username` this session (at `keyVersion`, when given). */
  isListed(username: string, keyVersion?: number): boolean {
    const listed = this.#listed.get(username);
    return keyVersion === undefined ? listed !== undefined : (listed?.some((p) => p.keyVersion === keyVersion) ?? false);
  }

  #savePins(): void {
    this.#storage.setItem(STORAGE_KEYS.pins(this.#me), JSON.stringify(this.#pins));
    this.#onPins();
  }

  /** The vault text of a device that pinned nothing. */
  emptyVaultText(): string {
    return canonicalJson({ v: 1, contacts: {} });
  }

  /** Seals the vault text for the server with the current identity. */
  sealVault(text: string): string {
    return sealVault({ text, username: this.#me, identity: this.#own.identity });
  }

  /** Opens a vault sealed by one of the user's devices (with the key version it names); undefined if it does not open. */
  openVault(sealed: string): string | undefined {
    for (const identity of [this.#own.identity, ...this.#own.oldIdentities.values()]) {
      const opened = openVault({ sealed, username: this.#me, identity });
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
      if (username === this.#me || !isPin(remote)) continue;
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
      this.#storage.setItem(STORAGE_KEYS.pins(this.#me), JSON.stringify(this.#pins));
      this.#onContacts(this.contactStatus());
    }
    return changed;
  }

  /** The identity of mine that a key version names: the current one, or one from before an identity reset. */
  mine(keyVersion: number): Identity | undefined {
    return keyVersion === this.#own.identity.keyVersion ? this.#own.identity : this.#own.oldIdentities.get(keyVersion);
  }

  /** Only pinned keys (and my own) verify anything. */
  lookup = (username: string, keyVersion: number): PublicIdentity | undefined => {
    if (username === this.#me) {
      const mine = this.mine(keyVersion);
      return mine && publicIdentityOf(mine, username);
    }
    const hex = this.#pins[username]?.keys[String(keyVersion)];
    return hex === undefined ? undefined : pinnedIdentity(username, keyVersion, hex);
  };

  /** The contact's newest pinned key version, the one new epochs are sealed to. */
  currentPinned(username: string): PublicIdentity | undefined {
    if (username === this.#me) return publicIdentityOf(this.#own.identity, username);
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
    const old = readJson<Record<string, ContactRecord>>(this.#storage, STORAGE_KEYS.contacts(this.#me), {})[username];
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
  async fetchIdentities(conn: ServerSocket, username: string): Promise<PublicIdentity[]> {
    if (username === this.#me) return [publicIdentityOf(this.#own.identity, username)];
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

  /** Fetches a contact's keys once per session, so they can be checked against the pins. */
  async known(conn: ServerSocket, username: string): Promise<void> {
    if (username !== this.#me && !this.#listed.has(username)) await this.fetchIdentities(conn, username);
  }

  /** The 60-digit safety number with a contact's newest listed keys, grouped in fives, and whether it is marked verified. */
  async safetyNumber(conn: ServerSocket, username: string): Promise<{ digits: string; verified: boolean; status: ContactKeys }> {
    const current = (await this.fetchIdentities(conn, username)).at(-1);
    if (!current) throw new ParleyError('USER_NOT_FOUND', `${username} has no keys yet.`);
    const status = this.#status[username]!;
    return { digits: formatDigits(safetyNumber(publicIdentityOf(this.#own.identity, this.#me), current)), verified: status.verified, status };
  }

  /**
   * Marks the contact's current keys verified (after comparing safety numbers), or accepts changed keys:
   * every version the server lists now is pinned. With `comparedDigits`, only if the newest keys still give
   * that safety number: keys that changed after the number was shown were never compared.
   */
  async trust(conn: ServerSocket, username: string, verified: boolean, comparedDigits?: string): Promise<void> {
    const listed = await this.fetchIdentities(conn, username);
    const current = listed.at(-1);
    if (!current) throw new ParleyError('USER_NOT_FOUND', `${username} has no keys yet.`);
    if (comparedDigits !== undefined && formatDigits(safetyNumber(publicIdentityOf(this.#own.identity, this.#me), current)) !== comparedDigits) {
      throw new ParleyError('KEYS_CHANGED', `${username}'s keys changed since that safety number was shown: compare the new one.`);
    }
    this.#pins[username] = { keys: Object.fromEntries(listed.map((p) => [String(p.keyVersion), keysHex(p)])), verified, at: this.#now() };
    this.#savePins();
    this.#status[username] = { status: 'same', verified, wasVerified: false };
    this.#onContacts(this.contactStatus());
  }
}

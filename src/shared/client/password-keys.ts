// The keys a password gives: derive them (with the realm pin and the no-downgrade rule for the derivation),
// make them for a new account or a new password, open the sealed private keys, remember the wrap key.
import {
  deriveKeys,
  encodePublicIdentity,
  fromBase64url,
  generateIdentity,
  KDF_DEFAULT,
  newSalt,
  openIdentity,
  parsePublicIdentity,
  REALM_PATTERN,
  sealIdentity,
  toBase64url,
  type Identity,
  type KdfFailure,
} from '../crypto/index.js';
import { ParleyError } from '../errors.js';
import type { KdfParams } from '../protocol.js';
import { STORAGE_KEYS, type StorageAdapter } from './storage.js';

/** Keeps the wrap key (it unlocks the user's private keys) so a resumed session needs no password. */
export const rememberWrapKey = (storage: StorageAdapter, me: string, wrapKey: Uint8Array): void =>
  storage.setItem(STORAGE_KEYS.wrapKey(me), toBase64url(wrapKey));

export function rememberedWrapKey(storage: StorageAdapter, me: string): Uint8Array | undefined {
  const text = storage.getItem(STORAGE_KEYS.wrapKey(me));
  return text ? fromBase64url(text) : undefined;
}

export const forgetWrapKey = (storage: StorageAdapter, me: string): void => storage.removeItem(STORAGE_KEYS.wrapKey(me));

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

function unlock(username: string, keyBundle: string, publicIdentity: string, wrapKey: Uint8Array): Identity {
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
interface SealedKeys {
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

/**
 * After a password opened the keys of an account still on the v1 derivation: the move to v2 with the
 * same password, made while the password is at hand. Undefined for a v2 account, or when it cannot be made
 * (no realm to bind the new salt to, or the derivation failed): the account stays on v1 until a later login.
 */
export async function kdfUpgrade(username: string, password: string, version: number, authKey: Uint8Array, realm: string | undefined): Promise<PendingUpgrade | undefined> {
  if (version !== 1 || realm === undefined) return undefined;
  try {
    return { username, oldAuthKey: toBase64url(authKey), fresh: await freshKeys(username, password, realm) };
  } catch {
    return undefined;
  }
}

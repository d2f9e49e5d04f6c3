// Seals a user's private keys with the wrap key so the server can store them and any device that knows the password can open them.
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { equalBytes } from '@noble/ciphers/utils.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { encodeFields, Reader, readU32, toBase64url, u32, unwrapPrefixed } from './bytes.js';
import { identityFromSecrets, type Identity, type PublicIdentity } from './identity.js';
import { KEY_BYTES } from './kdf.js';
import { LABELS } from './labels.js';
import { fail, type Outcome } from './result.js';
import { systemRng, type Rng } from './random.js';

const KEY_BUNDLE_PREFIX = 'kb1.';
const NONCE_BYTES = 24;
const SECRETS_BYTES = 64;
const TAG_BYTES = 16;
const KEY_BUNDLE_BYTES = 4 + NONCE_BYTES + SECRETS_BYTES + TAG_BYTES;

/** The username and key version are associated data: a bundle moved to another account or version does not open. */
const bundleAad = (username: string, keyVersion: number): Uint8Array => encodeFields(LABELS.keyBundle, username, u32(keyVersion));

/**
 * `kb1.` + base64url(keyVersion u32 | nonce 24 | XChaCha20-Poly1305(wrapKey, nonce, aad, x25519 secret ‖ ed25519 seed)).
 * The nonce is random (draft-irtf-cfrg-xchacha §3.1: 192-bit nonces are safe to pick at random),
 * so a re-wrap after a password change never reuses a (key, nonce) pair.
 */
export function sealIdentity(input: { identity: Identity; username: string; wrapKey: Uint8Array }, rng: Rng = systemRng): string {
  const { identity, username, wrapKey } = input;
  if (wrapKey.length !== KEY_BYTES) throw new RangeError('sealIdentity: the wrap key must be 32 bytes');
  const nonce = rng(NONCE_BYTES);
  const secrets = concatBytes(identity.x25519.secretKey, identity.ed25519.secretKey);
  const sealed = xchacha20poly1305(wrapKey, nonce, bundleAad(username, identity.keyVersion)).encrypt(secrets);
  secrets.fill(0);
  return KEY_BUNDLE_PREFIX + toBase64url(concatBytes(u32(identity.keyVersion), nonce, sealed));
}

/**
 * 'tampered': the bundle was changed, belongs to another account, or the wrap key is wrong.
 * 'public-key-mismatch': the bundle opened, but the keys the server publishes for this user are not its keys.
 */
export type KeyBundleFailure = 'malformed' | 'tampered' | 'public-key-mismatch';

/** Opens a key bundle; with `published`, also checks that the server publishes this identity's public keys. Never throws. */
export function openIdentity(input: {
  bundle: unknown;
  username: string;
  wrapKey: Uint8Array;
  published?: PublicIdentity;
}): Outcome<{ identity: Identity }, KeyBundleFailure> {
  const bytes = unwrapPrefixed(input.bundle, KEY_BUNDLE_PREFIX);
  if (bytes === undefined || bytes.length !== KEY_BUNDLE_BYTES || input.wrapKey.length !== KEY_BYTES) return fail('malformed');
  const r = new Reader(bytes);
  const keyVersion = readU32(r.take(4) as Uint8Array, 0);
  if (keyVersion < 1) return fail('malformed');
  const nonce = r.take(NONCE_BYTES) as Uint8Array;
  let secrets: Uint8Array;
  try {
    secrets = xchacha20poly1305(input.wrapKey, nonce, bundleAad(input.username, keyVersion)).decrypt(r.rest());
  } catch {
    return fail('tampered');
  }
  const identity = identityFromSecrets(keyVersion, secrets.subarray(0, 32), secrets.subarray(32));
  secrets.fill(0);
  const p = input.published;
  if (
    p !== undefined &&
    (p.username !== input.username ||
      p.keyVersion !== keyVersion ||
      !equalBytes(p.x25519, identity.x25519.publicKey) ||
      !equalBytes(p.ed25519, identity.ed25519.publicKey))
  ) {
    return fail('public-key-mismatch');
  }
  return { ok: true, identity };
}

/** The key version a `kb1.` bundle names in its header, or undefined when it is not shaped like one; opens nothing. */
export function keyBundleVersion(bundle: unknown): number | undefined {
  const bytes = unwrapPrefixed(bundle, KEY_BUNDLE_PREFIX);
  if (bytes === undefined || bytes.length !== KEY_BUNDLE_BYTES) return undefined;
  const keyVersion = readU32(bytes, 0);
  return keyVersion < 1 ? undefined : keyVersion;
}

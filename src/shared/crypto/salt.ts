// Per-user salts: a random one at registration, the deterministic fake one the server gives for unknown usernames, and the server's realm id.
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { encodeFields, toBase64url } from './bytes.js';
import { SALT_BYTES } from './kdf.js';
import { LABELS } from './labels.js';
import { systemRng, type Rng } from './random.js';

/** A fresh 16-byte salt (RFC 9106 §3.1 recommends 16 bytes for password hashing). */
export const newSalt = (rng: Rng = systemRng): Uint8Array => rng(SALT_BYTES);

/**
 * What `prelogin` answers for a username without an account: HMAC-SHA256(serverSecret, username)
 * truncated to 16 bytes, so asking twice gives the same salt (as a real account would) and the
 * answer does not reveal whether the account exists. The server secret is ≥ 32 random bytes kept
 * with the server's data.
 */
export function fakeSalt(serverSecret: Uint8Array, username: string): Uint8Array {
  if (serverSecret.length < 32) throw new RangeError('fakeSalt: the server secret must be at least 32 bytes');
  return hmac(sha256, serverSecret, encodeFields(LABELS.fakeSalt, username)).slice(0, SALT_BYTES);
}

/**
 * The server's realm id: HMAC-SHA256(serverSecret, fields("parley/v2/realm"))[0..16] in base64url. Stable
 * for as long as the data folder (which holds the secret) lives, and unrelated between two servers. v2 key
 * derivation binds it into the argon2id salt; clients pin it per server address.
 */
export function realmOf(serverSecret: Uint8Array): string {
  if (serverSecret.length < 32) throw new RangeError('realmOf: the server secret must be at least 32 bytes');
  return toBase64url(hmac(sha256, serverSecret, encodeFields(LABELS.realm)).slice(0, 16));
}

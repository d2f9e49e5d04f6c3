// Safety numbers: what two people compare to know they hold each other's real keys, and the check that a contact's keys changed.
import { sha512 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { encodeFields } from './bytes.js';
import type { PublicIdentity } from './identity.js';
import { LABELS } from './labels.js';

/** As Signal's NumericFingerprintGenerator: enough to make a second-preimage search ~2^12 times costlier per try. */
const FINGERPRINT_ITERATIONS = 5200;

/**
 * A user's 30-digit fingerprint: h₀ = label ‖ keys ‖ username (length-prefixed), hᵢ₊₁ = SHA-512(hᵢ ‖ keys)
 * 5200 times, where keys = X25519 public ‖ Ed25519 public; then six 5-byte big-endian chunks of the last
 * hash, each mod 100000 as 5 digits (≈ 99.6 bits). The same construction as Signal's safety numbers,
 * with both of our identity keys and a Parley label in place of Signal's version bytes.
 */
export function fingerprint(identity: PublicIdentity): string {
  const keys = concatBytes(identity.x25519, identity.ed25519);
  let hash = encodeFields(LABELS.fingerprint, keys, identity.username);
  for (let i = 0; i < FINGERPRINT_ITERATIONS; i++) hash = sha512(concatBytes(hash, keys));
  let digits = '';
  for (let chunk = 0; chunk < 6; chunk++) {
    let n = 0;
    // 40-bit values stay exact in a double (< 2^53).
    for (let i = 0; i < 5; i++) n = n * 256 + (hash[chunk * 5 + i] as number);
    digits += String(n % 100_000).padStart(5, '0');
  }
  return digits;
}

/** The 60-digit safety number of two users: both fingerprints, the smaller first, so both people see the same number. */
export function safetyNumber(a: PublicIdentity, b: PublicIdentity): string {
  const [x, y] = [fingerprint(a), fingerprint(b)].sort();
  return `${x}${y}`;
}

/** Groups of five digits, as people read them aloud: "12345 67890 …". */
export const formatDigits = (digits: string): string => (digits.match(/.{1,5}/g) ?? []).join(' ');

/** What a client remembers about a contact's keys (in its own storage, never the server's). */
export interface ContactRecord {
  username: string;
  fingerprint: string;
  /** The user compared the safety number with the contact and said it matched. */
  verified: boolean;
}

export const rememberContact = (identity: PublicIdentity, verified: boolean): ContactRecord => ({
  username: identity.username,
  fingerprint: fingerprint(identity),
  verified,
});

/**
 * 'new': first time these keys are seen (trust on first use, unverified). 'same': unchanged since
 * remembered. 'changed': the keys differ from the remembered ones; a client warns loudly, more so when
 * `wasVerified`, and seals no conversation key to the new keys until the user accepts them.
 */
export type ContactKeyStatus =
  | { status: 'new'; fingerprint: string }
  | { status: 'same'; verified: boolean; fingerprint: string }
  | { status: 'changed'; wasVerified: boolean; previous: string; fingerprint: string };

export function checkContactKeys(remembered: ContactRecord | undefined, current: PublicIdentity): ContactKeyStatus {
  if (remembered !== undefined && remembered.username !== current.username) {
    throw new RangeError('checkContactKeys: the remembered record is for another user');
  }
  const now = fingerprint(current);
  if (remembered === undefined) return { status: 'new', fingerprint: now };
  if (remembered.fingerprint === now) return { status: 'same', verified: remembered.verified, fingerprint: now };
  return { status: 'changed', wasVerified: remembered.verified, previous: remembered.fingerprint, fingerprint: now };
}

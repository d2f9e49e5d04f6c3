// A user's long-term identity: an X25519 key pair for encryption and an Ed25519 key pair for signing, and its public, self-signed form.
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { encodeFields, Reader, readU32, toBase64url, u32, unwrapPrefixed } from './bytes.js';
import { LABELS } from './labels.js';
import { fail, type Outcome } from './result.js';
import { systemRng, type Rng } from './random.js';

export interface KeyPair {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

/** Both key pairs of one user; `keyVersion` counts regenerations (1 at registration). */
export interface Identity {
  keyVersion: number;
  x25519: KeyPair;
  ed25519: KeyPair;
}

/** What everyone may know about a user's identity, bound to the username by a self-signature. */
export interface PublicIdentity {
  username: string;
  keyVersion: number;
  x25519: Uint8Array;
  ed25519: Uint8Array;
}

/** Answers "which public keys did this user have at this key version?"; clients fill it from what they fetched and checked. */
export type KeyDirectory = (username: string, keyVersion: number) => PublicIdentity | undefined;

const PUBLIC_IDENTITY_PREFIX = 'pub1.';
const PUBLIC_IDENTITY_BYTES = 4 + 32 + 32 + 64;

/**
 * Rebuilds both key pairs from their 32-byte secrets: an X25519 scalar (RFC 7748 §5, clamped inside
 * noble) and an Ed25519 seed (RFC 8032 §5.1.5).
 */
export function identityFromSecrets(keyVersion: number, x25519Secret: Uint8Array, ed25519Seed: Uint8Array): Identity {
  u32(keyVersion);
  if (keyVersion < 1) throw new RangeError('keyVersion starts at 1');
  return {
    keyVersion,
    x25519: { secretKey: Uint8Array.from(x25519Secret), publicKey: x25519.getPublicKey(x25519Secret) },
    ed25519: { secretKey: Uint8Array.from(ed25519Seed), publicKey: ed25519.getPublicKey(ed25519Seed) },
  };
}

/** Made once at registration (and again, with the next keyVersion, only if a user resets their account). */
export function generateIdentity(keyVersion = 1, rng: Rng = systemRng): Identity {
  return identityFromSecrets(keyVersion, rng(32), rng(32));
}

export const publicIdentityOf = (identity: Identity, username: string): PublicIdentity => ({
  username,
  keyVersion: identity.keyVersion,
  x25519: identity.x25519.publicKey,
  ed25519: identity.ed25519.publicKey,
});

const selfSignedBytes = (p: PublicIdentity): Uint8Array =>
  encodeFields(LABELS.publicIdentity, p.username, u32(p.keyVersion), p.x25519, p.ed25519);

/**
 * `pub1.` + base64url(keyVersion u32 | X25519 public 32 | Ed25519 public 32 | Ed25519 signature 64).
 * The signature (RFC 8032 §5.1.6, deterministic) covers the username too, so the server cannot hand
 * out one user's keys under another user's name without the client noticing.
 */
export function encodePublicIdentity(identity: Identity, username: string): string {
  const pub = publicIdentityOf(identity, username);
  const signature = ed25519.sign(selfSignedBytes(pub), identity.ed25519.secretKey);
  return PUBLIC_IDENTITY_PREFIX + toBase64url(concatBytes(u32(pub.keyVersion), pub.x25519, pub.ed25519, signature));
}

export type PublicIdentityFailure = 'malformed' | 'bad-signature';

/** Parses what the server says are `username`'s public keys and checks the self-signature; never throws. */
export function parsePublicIdentity(text: unknown, username: string): Outcome<{ identity: PublicIdentity }, PublicIdentityFailure> {
  const bytes = unwrapPrefixed(text, PUBLIC_IDENTITY_PREFIX);
  if (bytes === undefined || bytes.length !== PUBLIC_IDENTITY_BYTES) return fail('malformed');
  const r = new Reader(bytes);
  const keyVersion = readU32(r.take(4) as Uint8Array, 0);
  const identity: PublicIdentity = {
    username,
    keyVersion,
    x25519: Uint8Array.from(r.take(32) as Uint8Array),
    ed25519: Uint8Array.from(r.take(32) as Uint8Array),
  };
  const signature = r.rest();
  if (keyVersion < 1) return fail('malformed');
  if (!verifySignature(signature, selfSignedBytes(identity), identity.ed25519)) return fail('bad-signature');
  return { ok: true, identity };
}

/**
 * Strict RFC 8032 §5.1.7 verification (noble's zip215: false: canonical encodings only, small-order
 * keys refused), and false instead of a throw on any malformed input.
 */
export function verifySignature(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

export const sign = (message: Uint8Array, identity: Identity): Uint8Array => ed25519.sign(message, identity.ed25519.secretKey);

// Conversation keys: one random key per conversation epoch, sealed to each member's X25519 key and signed by the member who made it.
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { encodeFields, Reader, readU32, readU64, toBase64url, u32, u64, unwrapPrefixed } from './bytes.js';
import { sign, verifySignature, type Identity, type KeyDirectory, type PublicIdentity } from './identity.js';
import { KEY_BYTES } from './kdf.js';
import { LABELS } from './labels.js';
import { fail, type Outcome } from './result.js';
import { systemRng, type Rng } from './random.js';

export const SEALED_EPOCH_KEY_PREFIX = 'ek1.';
const NONCE_BYTES = 24;
const HEADER_BYTES = 8 + 4 + 4 + 4;
const SEALED_BYTES = HEADER_BYTES + 32 + NONCE_BYTES + KEY_BYTES + 16 + 64;

/** A fresh epoch key: 32 bytes from the CSPRNG, never derived from anything. */
export const newEpochKey = (rng: Rng = systemRng): Uint8Array => rng(KEY_BYTES);

/** Who a sealed epoch key is for and from; every field is bound by the associated data and the signature. */
interface SealContext {
  conversationId: number;
  epoch: number;
  recipient: PublicIdentity;
  creator: PublicIdentity;
}

const aad = (c: SealContext): Uint8Array =>
  encodeFields(LABELS.epochKeyAad, u64(c.conversationId), u32(c.epoch), c.recipient.username, u32(c.recipient.keyVersion), c.creator.username, u32(c.creator.keyVersion));

const header = (c: SealContext): Uint8Array =>
  concatBytes(u64(c.conversationId), u32(c.epoch), u32(c.recipient.keyVersion), u32(c.creator.keyVersion));

/** RFC 5869 §3.2: both public keys in the info tie the wrapping key to this exact ephemeral-to-recipient exchange. */
const wrappingKey = (shared: Uint8Array, ephemeralPublic: Uint8Array, recipientPublic: Uint8Array): Uint8Array =>
  hkdf(sha256, shared, undefined, encodeFields(LABELS.epochKeyWrap, ephemeralPublic, recipientPublic), KEY_BYTES);

const signed = (c: SealContext, body: Uint8Array): Uint8Array =>
  encodeFields(LABELS.epochKeySignature, aad(c), c.recipient.x25519, body);

/**
 * `ek1.` + base64url(conversationId u64 | epoch u32 | recipient keyVersion u32 | creator keyVersion u32 |
 * ephemeral X25519 public 32 | nonce 24 | XChaCha20-Poly1305(k, nonce, aad, epochKey) 48 | Ed25519 signature 64),
 * where k = HKDF-SHA256(X25519(ephemeral, recipient), info = label ‖ ephemeral public ‖ recipient public).
 * The creator signs, so a server that invents an epoch key of its own cannot get members to use it.
 */
export function sealEpochKey(
  input: { epochKey: Uint8Array; conversationId: number; epoch: number; recipient: PublicIdentity; creator: Identity; creatorName: string },
  rng: Rng = systemRng,
): string {
  if (input.epochKey.length !== KEY_BYTES) throw new RangeError('sealEpochKey: an epoch key is 32 bytes');
  const c: SealContext = {
    conversationId: input.conversationId,
    epoch: input.epoch,
    recipient: input.recipient,
    creator: { username: input.creatorName, keyVersion: input.creator.keyVersion, x25519: input.creator.x25519.publicKey, ed25519: input.creator.ed25519.publicKey },
  };
  // RFC 7748 §6.1: a fresh ephemeral scalar per seal; noble refuses low-order recipient keys.
  const ephemeralSecret = rng(32);
  const ephemeralPublic = x25519.getPublicKey(ephemeralSecret);
  const shared = x25519.getSharedSecret(ephemeralSecret, input.recipient.x25519);
  const key = wrappingKey(shared, ephemeralPublic, input.recipient.x25519);
  const nonce = rng(NONCE_BYTES);
  const sealed = xchacha20poly1305(key, nonce, aad(c)).encrypt(input.epochKey);
  const body = concatBytes(header(c), ephemeralPublic, nonce, sealed);
  const signature = sign(signed(c, body), input.creator);
  for (const secret of [ephemeralSecret, shared, key]) secret.fill(0);
  return SEALED_EPOCH_KEY_PREFIX + toBase64url(concatBytes(body, signature));
}

export type EpochKeyFailure =
  | 'malformed'
  | 'wrong-conversation'
  | 'wrong-epoch'
  | 'wrong-recipient-key'
  | 'creator-not-member'
  | 'unknown-creator-key'
  | 'bad-signature'
  | 'tampered';

/**
 * Opens an epoch key sealed to `me`, checking that it is for this conversation and epoch, that its
 * creator is one of `members`, and that the creator's key (looked up in `keys`) signed it. Never throws.
 */
export function openEpochKey(input: {
  sealed: unknown;
  conversationId: number;
  epoch: number;
  me: Identity;
  myName: string;
  creatorName: string;
  members: readonly string[];
  keys: KeyDirectory;
}): Outcome<{ epochKey: Uint8Array }, EpochKeyFailure> {
  try {
    const bytes = unwrapPrefixed(input.sealed, SEALED_EPOCH_KEY_PREFIX);
    if (bytes === undefined || bytes.length !== SEALED_BYTES) return fail('malformed');
    const r = new Reader(bytes);
    const h = r.take(HEADER_BYTES) as Uint8Array;
    const conversationId = readU64(h, 0);
    if (conversationId !== input.conversationId) return fail('wrong-conversation');
    if (readU32(h, 8) !== input.epoch) return fail('wrong-epoch');
    if (readU32(h, 12) !== input.me.keyVersion) return fail('wrong-recipient-key');
    if (!input.members.includes(input.creatorName)) return fail('creator-not-member');
    const creator = input.keys(input.creatorName, readU32(h, 16));
    if (creator === undefined || creator.username !== input.creatorName) return fail('unknown-creator-key');
    const ephemeralPublic = r.take(32) as Uint8Array;
    const nonce = r.take(NONCE_BYTES) as Uint8Array;
    const sealed = r.take(KEY_BYTES + 16) as Uint8Array;
    const signature = r.rest();
    const me: PublicIdentity = { username: input.myName, keyVersion: input.me.keyVersion, x25519: input.me.x25519.publicKey, ed25519: input.me.ed25519.publicKey };
    const c: SealContext = { conversationId: input.conversationId, epoch: input.epoch, recipient: me, creator };
    const body = bytes.subarray(0, bytes.length - 64);
    if (!verifySignature(signature, signed(c, body), creator.ed25519)) return fail('bad-signature');
    const shared = x25519.getSharedSecret(input.me.x25519.secretKey, ephemeralPublic);
    const key = wrappingKey(shared, ephemeralPublic, me.x25519);
    const epochKey = xchacha20poly1305(key, nonce, aad(c)).decrypt(sealed);
    shared.fill(0);
    key.fill(0);
    return { ok: true, epochKey };
  } catch {
    // Only a low-order ephemeral key (refused by noble) or a failed Poly1305 tag gets here.
    return fail('tampered');
  }
}

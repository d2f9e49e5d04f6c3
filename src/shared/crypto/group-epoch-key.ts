// Group epoch keys (ek3): a random key per group epoch, sealed to one member, signed by its creator, bound to the membership chain's state.
// Unlike ek2 a copy names no member list (a 1,000-member list in each of 1,000 copies would not fit): it binds the chain's head and membersHash.
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { equalBytes } from '@noble/ciphers/utils.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { base64urlLength, encodeFields, readU32, readU64, toBase64url, u32, u64, unwrapPrefixed } from './bytes.js';
import { publicIdentityOf, sign, verifySignature, type Identity, type PublicIdentity } from './identity.js';
import { KEY_BYTES } from './kdf.js';
import { LABELS } from './labels.js';
import { fail, type Outcome } from './result.js';
import { systemRng, type Rng } from './random.js';

export const GROUP_EPOCH_KEY_PREFIX = 'ek3.';
const HASH_BYTES = 32;
const POINT_BYTES = 32;
const NONCE_BYTES = 24;
const TAG_BYTES = 16;
const SIGNATURE_BYTES = 64;
/** conversationId u64 | epoch u32 | recipient keyVersion u32 | creator keyVersion u32 | chainLength u32 | head 32 | membersHash 32. */
const HEADER_BYTES = 8 + 4 + 4 + 4 + 4 + HASH_BYTES + HASH_BYTES;
/** Every ek3 copy has exactly this many bytes: header 88, ephemeral public 32, sealed key 48, signature 64. */
export const GROUP_EPOCH_KEY_BYTES = HEADER_BYTES + POINT_BYTES + KEY_BYTES + TAG_BYTES + SIGNATURE_BYTES;
/** …and exactly this many characters, prefix included (314). */
export const GROUP_EPOCH_KEY_CHARS = GROUP_EPOCH_KEY_PREFIX.length + base64urlLength(GROUP_EPOCH_KEY_BYTES);

/** What a copy's clear header says: the server checks it against the group, the client against its verified chain. */
export interface GroupEpochKeyHeader {
  conversationId: number;
  epoch: number;
  recipientKeyVersion: number;
  creatorKeyVersion: number;
  /** How many changes the chain held when the epoch was made (GroupState.length). */
  chainLength: number;
  /** The hash of the chain's last change at that length (GroupState.head). */
  head: Uint8Array;
  /** membersHash of the chain's member set at that length (GroupState.membersHash): whom the epoch is for. */
  membersHash: Uint8Array;
}

interface Context extends GroupEpochKeyHeader {
  recipientName: string;
  creatorName: string;
}

const headerBytes = (h: GroupEpochKeyHeader): Uint8Array =>
  concatBytes(u64(h.conversationId), u32(h.epoch), u32(h.recipientKeyVersion), u32(h.creatorKeyVersion), u32(h.chainLength), h.head, h.membersHash);

const aad = (c: Context): Uint8Array =>
  encodeFields(
    LABELS.groupEpochKeyAad,
    u64(c.conversationId),
    u32(c.epoch),
    c.recipientName,
    u32(c.recipientKeyVersion),
    c.creatorName,
    u32(c.creatorKeyVersion),
    u32(c.chainLength),
    c.head,
    c.membersHash,
  );

/**
 * RFC 5869: the wrapping key and the nonce both come from this one exchange (both public keys in the info). The
 * ephemeral key is fresh for every copy, so the pair is never used twice and no random nonce needs to travel.
 */
function wrapping(shared: Uint8Array, ephemeralPublic: Uint8Array, recipientPublic: Uint8Array): { key: Uint8Array; nonce: Uint8Array } {
  const okm = hkdf(sha256, shared, undefined, encodeFields(LABELS.groupEpochKeyWrap, ephemeralPublic, recipientPublic), KEY_BYTES + NONCE_BYTES);
  return { key: okm.slice(0, KEY_BYTES), nonce: okm.slice(KEY_BYTES) };
}

const signed = (c: Context, recipientPublic: Uint8Array, body: Uint8Array): Uint8Array => encodeFields(LABELS.groupEpochKeySignature, aad(c), recipientPublic, body);

const positiveU32 = (n: number) => Number.isInteger(n) && n >= 1 && n <= 0xffff_ffff;

/**
 * `ek3.` + base64url(conversationId u64 | epoch u32 | recipient keyVersion u32 | creator keyVersion u32 | chainLength u32 |
 * head 32 | membersHash 32 | ephemeral X25519 public 32 | XChaCha20-Poly1305(k, nonce, aad, key) 48 | Ed25519 signature 64),
 * where k ‖ nonce = HKDF-SHA256(X25519(ephemeral, recipient), info = label ‖ ephemeral public ‖ recipient public, 56), the
 * associated data binds the header and both usernames, and the creator signs aad ‖ recipient public ‖ every byte before
 * the signature. `chainLength`, `head` and `membersHash` are the verified chain's state the epoch is made for. Throws
 * RangeError on inputs no caller should pass; the recipient must be a member of that state (the caller's check).
 */
export function sealGroupEpochKey(input: {
  conversationId: number;
  epoch: number;
  key: Uint8Array;
  creator: Identity;
  creatorName: string;
  recipient: PublicIdentity;
  chainLength: number;
  head: Uint8Array;
  membersHash: Uint8Array;
  rng?: Rng;
}): string {
  const { key, recipient, creator } = input;
  if (key.length !== KEY_BYTES) throw new RangeError('sealGroupEpochKey: an epoch key is 32 bytes');
  if (input.head.length !== HASH_BYTES || input.membersHash.length !== HASH_BYTES) throw new RangeError('sealGroupEpochKey: head and membersHash are 32 bytes');
  if (!Number.isSafeInteger(input.conversationId) || input.conversationId < 1) throw new RangeError('sealGroupEpochKey: bad conversation id');
  if (![input.epoch, input.chainLength, recipient.keyVersion, creator.keyVersion].every(positiveU32)) throw new RangeError('sealGroupEpochKey: out of range');
  const c: Context = {
    conversationId: input.conversationId,
    epoch: input.epoch,
    recipientKeyVersion: recipient.keyVersion,
    creatorKeyVersion: creator.keyVersion,
    chainLength: input.chainLength,
    head: input.head,
    membersHash: input.membersHash,
    recipientName: recipient.username,
    creatorName: input.creatorName,
  };
  const rng = input.rng ?? systemRng;
  // RFC 7748 §6.1: a fresh ephemeral scalar per copy; noble refuses low-order recipient keys.
  const ephemeralSecret = rng(32);
  const ephemeralPublic = x25519.getPublicKey(ephemeralSecret);
  const shared = x25519.getSharedSecret(ephemeralSecret, recipient.x25519);
  const w = wrapping(shared, ephemeralPublic, recipient.x25519);
  const body = concatBytes(headerBytes(c), ephemeralPublic, xchacha20poly1305(w.key, w.nonce, aad(c)).encrypt(key));
  const signature = sign(signed(c, recipient.x25519, body), creator);
  for (const secret of [ephemeralSecret, shared, w.key]) secret.fill(0);
  return GROUP_EPOCH_KEY_PREFIX + toBase64url(concatBytes(body, signature));
}

/**
 * RFC 7748 §5: implementations must accept non-canonical u-coordinates (the top bit set, or p ≤ u < 2^255), so several
 * byte strings name one point. noble never makes them; refusing them gives every copy one byte form.
 */
function canonicalPoint(u: Uint8Array): boolean {
  if ((u[31]! & 0x80) !== 0) return false;
  const belowP = u[31] !== 0x7f || u.subarray(1, 31).some((b) => b !== 0xff) || u[0]! < 0xed;
  return belowP;
}

/** A copy's bytes and header, or undefined unless it is exactly one well-formed ek3 copy. */
function readCopy(text: unknown): { bytes: Uint8Array; header: GroupEpochKeyHeader } | undefined {
  const bytes = unwrapPrefixed(text, GROUP_EPOCH_KEY_PREFIX);
  if (bytes?.length !== GROUP_EPOCH_KEY_BYTES) return undefined;
  const conversationId = readU64(bytes, 0);
  const header = {
    epoch: readU32(bytes, 8),
    recipientKeyVersion: readU32(bytes, 12),
    creatorKeyVersion: readU32(bytes, 16),
    chainLength: readU32(bytes, 20),
    head: bytes.slice(24, 24 + HASH_BYTES),
    membersHash: bytes.slice(24 + HASH_BYTES, HEADER_BYTES),
  };
  if (conversationId === undefined || conversationId < 1) return undefined;
  if (header.epoch < 1 || header.recipientKeyVersion < 1 || header.creatorKeyVersion < 1 || header.chainLength < 1) return undefined;
  if (!canonicalPoint(bytes.subarray(HEADER_BYTES, HEADER_BYTES + POINT_BYTES))) return undefined;
  return { bytes, header: { conversationId, ...header } };
}

/**
 * What the server may check of a copy without any key: its format, and the header's conversation, epoch, key
 * versions and chain state. null when it is not exactly one well-formed `ek3.` copy. No cryptography: the server
 * compares these with the group it stores; clients never trust them before openGroupEpochKey.
 */
export function readGroupEpochKeyHeader(text: unknown): GroupEpochKeyHeader | null {
  return readCopy(text)?.header ?? null;
}

export type GroupEpochKeyFailure =
  | 'malformed'
  | 'wrong-conversation'
  | 'wrong-epoch'
  | 'wrong-recipient-key'
  | 'wrong-creator-key'
  | 'wrong-chain-length'
  | 'wrong-head'
  | 'wrong-members'
  | 'bad-signature'
  | 'tampered';

/**
 * Opens a copy sealed to `recipient` (our identity at the key version the copy names), checking, in this order, that it
 * is for this conversation and epoch, for our key version, made by the pinned `creator` at its key version, for exactly
 * the chain state the client verified (`chainLength`, `head`, `membersHash`: never values from the server's frames),
 * and signed by the creator's pinned key; then that it opens. The caller checks that the creator was a member of that
 * state. Never throws.
 */
export function openGroupEpochKey(
  text: unknown,
  expected: {
    conversationId: number;
    epoch: number;
    recipient: Identity;
    recipientName: string;
    creator: PublicIdentity;
    chainLength: number;
    head: Uint8Array;
    membersHash: Uint8Array;
  },
): Outcome<{ epochKey: Uint8Array; header: GroupEpochKeyHeader }, GroupEpochKeyFailure> {
  try {
    const copy = readCopy(text);
    if (copy === undefined) return fail('malformed');
    const { bytes, header } = copy;
    if (header.conversationId !== expected.conversationId) return fail('wrong-conversation');
    if (header.epoch !== expected.epoch) return fail('wrong-epoch');
    if (header.recipientKeyVersion !== expected.recipient.keyVersion) return fail('wrong-recipient-key');
    if (header.creatorKeyVersion !== expected.creator.keyVersion) return fail('wrong-creator-key');
    if (header.chainLength !== expected.chainLength) return fail('wrong-chain-length');
    if (expected.head.length !== HASH_BYTES || !equalBytes(header.head, expected.head)) return fail('wrong-head');
    if (expected.membersHash.length !== HASH_BYTES || !equalBytes(header.membersHash, expected.membersHash)) return fail('wrong-members');
    const me = publicIdentityOf(expected.recipient, expected.recipientName);
    const c: Context = { ...header, recipientName: expected.recipientName, creatorName: expected.creator.username };
    const body = bytes.subarray(0, bytes.length - SIGNATURE_BYTES);
    if (!verifySignature(bytes.subarray(bytes.length - SIGNATURE_BYTES), signed(c, me.x25519, body), expected.creator.ed25519)) return fail('bad-signature');
    const ephemeralPublic = bytes.subarray(HEADER_BYTES, HEADER_BYTES + POINT_BYTES);
    const shared = x25519.getSharedSecret(expected.recipient.x25519.secretKey, ephemeralPublic);
    const w = wrapping(shared, ephemeralPublic, me.x25519);
    try {
      const epochKey = xchacha20poly1305(w.key, w.nonce, aad(c)).decrypt(bytes.subarray(HEADER_BYTES + POINT_BYTES, bytes.length - SIGNATURE_BYTES));
      return { ok: true, epochKey, header };
    } finally {
      shared.fill(0);
      w.key.fill(0);
    }
  } catch {
    // Only a low-order ephemeral key (refused by noble) or a failed Poly1305 tag gets here, both in a copy the creator signed.
    return fail('tampered');
  }
}

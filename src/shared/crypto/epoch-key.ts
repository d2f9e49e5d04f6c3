// Conversation keys: one random key per conversation epoch, sealed to each member's X25519 key and signed by the member who made it.
// ek2 (current) also names and binds the epoch's member set; ek1 copies of older epochs still open.
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { encodeFields, Reader, readU32, readU64, toBase64url, u32, u64, unwrapPrefixed } from './bytes.js';
import { sign, verifySignature, type Identity, type KeyDirectory, type PublicIdentity } from './identity.js';
import { KEY_BYTES } from './kdf.js';
import { LABELS } from './labels.js';
import { canonicalMembers, decodeMembers, encodeMembers, membersHash, sameUsernames, type Member } from './members.js';
import { fail, type Outcome } from './result.js';
import { systemRng, type Rng } from './random.js';

/** The current format: the epoch's members are named in each copy and bound by its signature. */
const SEALED_EPOCH_KEY_PREFIX = 'ek2.';
/** The first format, without the member set: still opened (history), never made by clients any more. */
const SEALED_EPOCH_KEY_PREFIX_V1 = 'ek1.';
const NONCE_BYTES = 24;
const HEADER_BYTES = 8 + 4 + 4 + 4;
const TAIL_BYTES = 32 + NONCE_BYTES + KEY_BYTES + 16 + 64;
const SEALED_BYTES_V1 = HEADER_BYTES + TAIL_BYTES;

/** A fresh epoch key: 32 bytes from the CSPRNG, never derived from anything. */
export const newEpochKey = (rng: Rng = systemRng): Uint8Array => rng(KEY_BYTES);

/** Who a sealed epoch key is for and from, and (ek2) the whole member set; all bound by the associated data and the signature. */
interface SealContext {
  conversationId: number;
  epoch: number;
  recipient: PublicIdentity;
  creator: PublicIdentity;
  /** ek2 only. */
  membersHash?: Uint8Array;
}

const aad = (c: SealContext): Uint8Array =>
  c.membersHash === undefined
    ? encodeFields(LABELS.epochKeyAad, u64(c.conversationId), u32(c.epoch), c.recipient.username, u32(c.recipient.keyVersion), c.creator.username, u32(c.creator.keyVersion))
    : encodeFields(
        LABELS.epochKeyAadV2,
        u64(c.conversationId),
        u32(c.epoch),
        c.recipient.username,
        u32(c.recipient.keyVersion),
        c.creator.username,
        u32(c.creator.keyVersion),
        c.membersHash,
      );

const header = (c: SealContext): Uint8Array =>
  concatBytes(u64(c.conversationId), u32(c.epoch), u32(c.recipient.keyVersion), u32(c.creator.keyVersion));

/** RFC 5869 §3.2: both public keys in the info tie the wrapping key to this exact ephemeral-to-recipient exchange. */
const wrappingKey = (c: SealContext, shared: Uint8Array, ephemeralPublic: Uint8Array, recipientPublic: Uint8Array): Uint8Array =>
  hkdf(sha256, shared, undefined, encodeFields(c.membersHash === undefined ? LABELS.epochKeyWrap : LABELS.epochKeyWrapV2, ephemeralPublic, recipientPublic), KEY_BYTES);

const signed = (c: SealContext, body: Uint8Array): Uint8Array =>
  encodeFields(c.membersHash === undefined ? LABELS.epochKeySignature : LABELS.epochKeySignatureV2, aad(c), c.recipient.x25519, body);

interface SealInput {
  epochKey: Uint8Array;
  conversationId: number;
  epoch: number;
  recipient: PublicIdentity;
  creator: Identity;
  creatorName: string;
}

function seal(c: SealContext, prefix: string, members: Uint8Array, input: SealInput, rng: Rng): string {
  if (input.epochKey.length !== KEY_BYTES) throw new RangeError('sealEpochKey: an epoch key is 32 bytes');
  // RFC 7748 §6.1: a fresh ephemeral scalar per seal; noble refuses low-order recipient keys.
  const ephemeralSecret = rng(32);
  const ephemeralPublic = x25519.getPublicKey(ephemeralSecret);
  const shared = x25519.getSharedSecret(ephemeralSecret, input.recipient.x25519);
  const key = wrappingKey(c, shared, ephemeralPublic, input.recipient.x25519);
  const nonce = rng(NONCE_BYTES);
  const sealed = xchacha20poly1305(key, nonce, aad(c)).encrypt(input.epochKey);
  const body = concatBytes(header(c), members, ephemeralPublic, nonce, sealed);
  const signature = sign(signed(c, body), input.creator);
  for (const secret of [ephemeralSecret, shared, key]) secret.fill(0);
  return prefix + toBase64url(concatBytes(body, signature));
}

const contextOf = (input: SealInput, membersHash?: Uint8Array): SealContext => ({
  conversationId: input.conversationId,
  epoch: input.epoch,
  recipient: input.recipient,
  creator: { username: input.creatorName, keyVersion: input.creator.keyVersion, x25519: input.creator.x25519.publicKey, ed25519: input.creator.ed25519.publicKey },
  ...(membersHash === undefined ? {} : { membersHash }),
});

/**
 * `ek2.` + base64url(conversationId u64 | epoch u32 | recipient keyVersion u32 | creator keyVersion u32 |
 * members (count u16, then per member in username order: name length u8 | name | keyVersion u32) |
 * ephemeral X25519 public 32 | nonce 24 | XChaCha20-Poly1305(k, nonce, aad, epochKey) 48 | Ed25519 signature 64),
 * where k = HKDF-SHA256(X25519(ephemeral, recipient), info = label ‖ ephemeral public ‖ recipient public) and
 * the associated data carries the members' hash. The creator signs, so a server that invents an epoch key of
 * its own, or claims other members for it, cannot get members to use it. The recipient and the creator
 * must both be among `members`, at the key versions sealed to and signed with.
 */
export function sealEpochKey(input: SealInput & { members: readonly Member[] }, rng: Rng = systemRng): string {
  const members = canonicalMembers(input.members);
  if (!members) throw new RangeError('sealEpochKey: members must be a non-empty set with distinct names');
  const has = (name: string, keyVersion: number) => members.some((m) => m.username === name && m.keyVersion === keyVersion);
  if (!has(input.recipient.username, input.recipient.keyVersion) || !has(input.creatorName, input.creator.keyVersion)) {
    throw new RangeError('sealEpochKey: the recipient and the creator must be members at their key versions');
  }
  return seal(contextOf(input, membersHash(members)), SEALED_EPOCH_KEY_PREFIX, encodeMembers(members), input, rng);
}

/** The first format (`ek1.`, no member set): kept to reproduce the frozen vectors and to test that old copies open. */
export function sealEpochKeyV1(input: SealInput, rng: Rng = systemRng): string {
  return seal(contextOf(input), SEALED_EPOCH_KEY_PREFIX_V1, new Uint8Array(0), input, rng);
}

export type EpochKeyFailure =
  | 'malformed'
  | 'wrong-conversation'
  | 'wrong-epoch'
  | 'wrong-recipient-key'
  | 'wrong-members'
  | 'creator-not-member'
  | 'unknown-creator-key'
  | 'bad-signature'
  | 'tampered';

/** An opened epoch key; `members` and their hash for ek2 copies (ek1 copies name no member set). */
export type OpenedEpochKey = { epochKey: Uint8Array; version: 1 } | { epochKey: Uint8Array; version: 2; members: Member[]; membersHash: Uint8Array };

/**
 * Opens an epoch key sealed to `me`, checking that it is for this conversation and epoch, that its
 * creator is one of `members` (the usernames the client pinned for the conversation, never names taken
 * from the server's frames), and that the creator's known key (looked up in `keys`) signed it. For ek2,
 * the sealed member set must name exactly those usernames, with `me` at the key version it was sealed to.
 * Never throws.
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
}): Outcome<OpenedEpochKey, EpochKeyFailure> {
  try {
    const copy = readSealed(input.sealed);
    if (copy === undefined) return fail('malformed');
    const { bytes, members, at, recipientKeyVersion, creatorKeyVersion } = copy;
    if (copy.conversationId !== input.conversationId) return fail('wrong-conversation');
    if (copy.epoch !== input.epoch) return fail('wrong-epoch');
    if (recipientKeyVersion !== input.me.keyVersion) return fail('wrong-recipient-key');
    if (members !== undefined) {
      if (!sameUsernames(members, input.members)) return fail('wrong-members');
      if (!members.some((m) => m.username === input.myName && m.keyVersion === recipientKeyVersion)) return fail('wrong-recipient-key');
      if (!members.some((m) => m.username === input.creatorName && m.keyVersion === creatorKeyVersion)) return fail('creator-not-member');
    }
    if (!input.members.includes(input.creatorName)) return fail('creator-not-member');
    const creator = input.keys(input.creatorName, creatorKeyVersion);
    if (creator === undefined || creator.username !== input.creatorName) return fail('unknown-creator-key');
    const r = new Reader(bytes.subarray(at));
    const ephemeralPublic = r.take(32) as Uint8Array;
    const nonce = r.take(NONCE_BYTES) as Uint8Array;
    const sealed = r.take(KEY_BYTES + 16) as Uint8Array;
    const signature = r.rest();
    const me: PublicIdentity = { username: input.myName, keyVersion: input.me.keyVersion, x25519: input.me.x25519.publicKey, ed25519: input.me.ed25519.publicKey };
    const hash = members === undefined ? undefined : membersHash(members);
    const c: SealContext = { conversationId: input.conversationId, epoch: input.epoch, recipient: me, creator, ...(hash === undefined ? {} : { membersHash: hash }) };
    const body = bytes.subarray(0, bytes.length - 64);
    if (!verifySignature(signature, signed(c, body), creator.ed25519)) return fail('bad-signature');
    const shared = x25519.getSharedSecret(input.me.x25519.secretKey, ephemeralPublic);
    const key = wrappingKey(c, shared, ephemeralPublic, me.x25519);
    const epochKey = xchacha20poly1305(key, nonce, aad(c)).decrypt(sealed);
    shared.fill(0);
    key.fill(0);
    return members === undefined || hash === undefined ? { ok: true, epochKey, version: 1 } : { ok: true, epochKey, version: 2, members, membersHash: hash };
  } catch {
    // Only a low-order ephemeral key (refused by noble) or a failed Poly1305 tag gets here.
    return fail('tampered');
  }
}

/** A sealed copy's bytes and what its header and (ek2) member list say; undefined when it is not a well-formed ek1 or ek2 copy. */
function readSealed(sealed: unknown) {
  const v2 = typeof sealed === 'string' && sealed.startsWith(SEALED_EPOCH_KEY_PREFIX);
  const bytes = unwrapPrefixed(sealed, v2 ? SEALED_EPOCH_KEY_PREFIX : SEALED_EPOCH_KEY_PREFIX_V1);
  if (bytes === undefined || bytes.length < SEALED_BYTES_V1) return undefined;
  let at = HEADER_BYTES;
  let members: Member[] | undefined;
  if (v2) {
    const decoded = decodeMembers(bytes, HEADER_BYTES);
    if (decoded === undefined) return undefined;
    ({ members, end: at } = decoded);
  }
  if (bytes.length !== at + TAIL_BYTES) return undefined;
  // Undefined past 2^53: no conversation has such an id.
  return { bytes, at, members, conversationId: readU64(bytes, 0), epoch: readU32(bytes, 8), recipientKeyVersion: readU32(bytes, 12), creatorKeyVersion: readU32(bytes, 16) };
}

/**
 * What the server may check of a sealed copy without any key: its format, and the conversation, epoch and
 * recipient key version its header names. Undefined when it is not a well-formed ek1 or ek2 copy.
 */
export function sealedEpochKeyHeader(sealed: string): { conversationId: number; epoch: number; recipientKeyVersion: number; members?: Member[] } | undefined {
  const copy = readSealed(sealed);
  if (copy?.conversationId === undefined) return undefined;
  const { conversationId, epoch, recipientKeyVersion, members } = copy;
  return { conversationId, epoch, recipientKeyVersion, ...(members === undefined ? {} : { members }) };
}

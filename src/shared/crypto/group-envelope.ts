// The group message envelope (p3): as p2, plus a commitment to the epoch key and the epoch's chain state in the signed associated data.
// Poly1305 does not commit to its key; the commitment keeps one ciphertext from opening under two keys ("invisible salamanders").
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { equalBytes } from '@noble/ciphers/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { encodeFields, fromBase64url, Reader, readU32, readU64, toBase64url, u32, u64, unwrapPrefixed } from './bytes.js';
import { BODY_MAX_LENGTH, CONTENT_TEXT, type DecryptFailure, type MessageContext } from './envelope.js';
import { sign, verifySignature, type Identity, type KeyDirectory } from './identity.js';
import { KEY_BYTES } from './kdf.js';
import { LABELS } from './labels.js';
import { fail, type Outcome } from './result.js';
import { systemRng, type Rng } from './random.js';

export const GROUP_ENVELOPE_PREFIX = 'p3.';
const HEADER_BYTES = 8 + 4 + 4;
const COMMITMENT_BYTES = 32;
const NONCE_BYTES = 24;
const SIGNATURE_BYTES = 64;
const TAG_BYTES = 16;
const HASH_BYTES = 32;

/** Bytes a p3 envelope adds to the UTF-8 text: header 16, key commitment 32, nonce 24, signature 64, content type 1, tag 16. */
export const GROUP_ENVELOPE_OVERHEAD_BYTES = HEADER_BYTES + COMMITMENT_BYTES + NONCE_BYTES + SIGNATURE_BYTES + 1 + TAG_BYTES;
/** The longest group text (UTF-8 bytes) whose envelope fits the protocol's `body`: 11,844 (32 fewer than p2's 11,876). */
export const MAX_GROUP_PLAINTEXT_BYTES = Math.floor(((BODY_MAX_LENGTH - GROUP_ENVELOPE_PREFIX.length) * 3) / 4) - GROUP_ENVELOPE_OVERHEAD_BYTES;
/** The shortest p3 body, prefix included (an empty text): 3 + ceil(153 × 4 / 3) = 207 characters. */
export const MIN_GROUP_ENVELOPE_LENGTH = GROUP_ENVELOPE_PREFIX.length + Math.ceil((GROUP_ENVELOPE_OVERHEAD_BYTES * 4) / 3);
const SHAPE = new RegExp(`^p3\\.[A-Za-z0-9_-]{${MIN_GROUP_ENVELOPE_LENGTH - GROUP_ENVELOPE_PREFIX.length},}$`);

/** What a member knows of one group epoch: its key, and the chain state its ek3 copy was made for (the copy's header, once opened). */
export interface GroupEpoch {
  epochKey: Uint8Array;
  chainLength: number;
  head: Uint8Array;
  membersHash: Uint8Array;
}

/**
 * Whether a body can be a p3 envelope at all (the server's E2E_REQUIRED check for groups): the prefix, base64url without
 * padding of a length that decodes (never 1 mod 4), and room for header, commitment, nonce, signature, content type and tag.
 */
export function isGroupEnvelopeShaped(body: unknown): boolean {
  return typeof body === 'string' && (body.length - GROUP_ENVELOPE_PREFIX.length) % 4 !== 1 && SHAPE.test(body);
}

/** The unauthenticated header of a p3 envelope (what it claims until verified), for the server's conversation check. */
export function groupEnvelopeHeader(body: unknown): { conversationId: number; epoch: number; senderKeyVersion: number } | undefined {
  if (typeof body !== 'string' || !body.startsWith(GROUP_ENVELOPE_PREFIX)) return undefined;
  const header = fromBase64url(body.slice(GROUP_ENVELOPE_PREFIX.length, GROUP_ENVELOPE_PREFIX.length + 24));
  if (header?.length !== 18) return undefined;
  const conversationId = readU64(header, 0);
  return conversationId === undefined ? undefined : { conversationId, epoch: readU32(header, 8), senderKeyVersion: readU32(header, 12) };
}

/** SHA-256 over the label, the epoch key and where it belongs: equal commitments mean equal keys (collision resistance). */
const keyCommitment = (epochKey: Uint8Array, conversationId: number, epoch: number): Uint8Array =>
  sha256(encodeFields(LABELS.groupMessageKeyCommitment, epochKey, u64(conversationId), u32(epoch)));

const aad = (c: MessageContext, epoch: number, senderKeyVersion: number, state: Omit<GroupEpoch, 'epochKey'>, commitment: Uint8Array): Uint8Array =>
  encodeFields(
    LABELS.groupMessageAad,
    u64(c.conversationId),
    u32(epoch),
    c.sender,
    u32(senderKeyVersion),
    c.clientMsgId,
    u32(state.chainLength),
    state.head,
    state.membersHash,
    commitment,
  );

const signed = (aadBytes: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array): Uint8Array => encodeFields(LABELS.groupMessageSignature, aadBytes, nonce, ciphertext);

/**
 * `p3.` + base64url(conversationId u64 | epoch u32 | sender keyVersion u32 | commitment 32 | nonce 24 | Ed25519 signature 64 |
 * XChaCha20-Poly1305(epochKey, nonce, aad, 0x01 ‖ UTF-8 text)), where commitment = SHA-256(fields(label, epochKey,
 * conversationId, epoch)) and the associated data binds the sender, the clientMsgId, the epoch's chain state (length,
 * head, membersHash, as in its ek3 copy) and the commitment. 'too-long' past MAX_GROUP_PLAINTEXT_BYTES.
 */
export function sealGroupEnvelope(
  input: MessageContext & GroupEpoch & { text: string; epoch: number; identity: Identity },
  rng: Rng = systemRng,
): Outcome<{ body: string }, 'too-long'> {
  if (input.epochKey.length !== KEY_BYTES) throw new RangeError('sealGroupEnvelope: an epoch key is 32 bytes');
  if (input.head.length !== HASH_BYTES || input.membersHash.length !== HASH_BYTES) throw new RangeError('sealGroupEnvelope: head and membersHash are 32 bytes');
  if (!Number.isInteger(input.chainLength) || input.chainLength < 1 || input.chainLength > 0xffff_ffff) throw new RangeError('sealGroupEnvelope: a chain length is a positive u32');
  const text = utf8ToBytes(input.text);
  if (text.length > MAX_GROUP_PLAINTEXT_BYTES) return fail('too-long');
  const kv = input.identity.keyVersion;
  const commitment = keyCommitment(input.epochKey, input.conversationId, input.epoch);
  const aadBytes = aad(input, input.epoch, kv, input, commitment);
  // draft-irtf-cfrg-xchacha §3.1: a random 192-bit nonce per message; many senders share one epoch key.
  const nonce = rng(NONCE_BYTES);
  const ciphertext = xchacha20poly1305(input.epochKey, nonce, aadBytes).encrypt(concatBytes(Uint8Array.of(CONTENT_TEXT), text));
  const signature = sign(signed(aadBytes, nonce, ciphertext), input.identity);
  const header = concatBytes(u64(input.conversationId), u32(input.epoch), u32(kv));
  return { ok: true, body: GROUP_ENVELOPE_PREFIX + toBase64url(concatBytes(header, commitment, nonce, signature, ciphertext)) };
}

/**
 * p2's reasons, plus 'key-mismatch': signed by the sender, but committed to another epoch key than ours (a member sealed
 * different keys to different members, or one ciphertext was crafted to open under two keys). Checked before decrypting.
 */
export type GroupDecryptFailure = DecryptFailure | 'key-mismatch';

export type GroupDecryptResult = Outcome<{ text: string; epoch: number; senderKeyVersion: number }, GroupDecryptFailure>;

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Checks and opens a p3 envelope, in this order: its shape, the conversation, the sender's pinned key at the named key
 * version, our epoch (key and chain state), the signature, the key commitment (constant time, before any decryption),
 * the AEAD, the content type. Returns the text only when every check passed; never throws. p1./p2. bodies are not
 * group messages: 'malformed'.
 */
export function openGroupEnvelope(
  input: MessageContext & { body: unknown; epochs: (epoch: number) => GroupEpoch | undefined; keys: KeyDirectory },
): GroupDecryptResult {
  try {
    if (typeof input.body !== 'string' || !/^p[0-9]+\./.test(input.body)) return fail('not-encrypted');
    if (!input.body.startsWith(GROUP_ENVELOPE_PREFIX)) return fail(/^p[12]\./.test(input.body) ? 'malformed' : 'unsupported-version');
    const bytes = unwrapPrefixed(input.body, GROUP_ENVELOPE_PREFIX);
    if (bytes === undefined || bytes.length < GROUP_ENVELOPE_OVERHEAD_BYTES) return fail('malformed');
    const r = new Reader(bytes);
    const header = r.take(HEADER_BYTES) as Uint8Array;
    if (readU64(header, 0) !== input.conversationId) return fail('wrong-conversation');
    const epoch = readU32(header, 8);
    const senderKeyVersion = readU32(header, 12);
    const commitment = r.take(COMMITMENT_BYTES) as Uint8Array;
    const nonce = r.take(NONCE_BYTES) as Uint8Array;
    const signature = r.take(SIGNATURE_BYTES) as Uint8Array;
    const ciphertext = r.rest();
    const sender = input.keys(input.sender, senderKeyVersion);
    if (sender === undefined || sender.username !== input.sender) return fail('unknown-sender-key');
    const known = input.epochs(epoch);
    if (known === undefined) return fail('unknown-epoch');
    const aadBytes = aad(input, epoch, senderKeyVersion, known, commitment);
    if (!verifySignature(signature, signed(aadBytes, nonce, ciphertext), sender.ed25519)) return fail('bad-signature');
    if (!equalBytes(commitment, keyCommitment(known.epochKey, input.conversationId, epoch))) return fail('key-mismatch');
    let plaintext: Uint8Array;
    try {
      plaintext = xchacha20poly1305(known.epochKey, nonce, aadBytes).decrypt(ciphertext);
    } catch {
      return fail('tampered');
    }
    if (plaintext[0] !== CONTENT_TEXT) return fail('unsupported-content');
    return { ok: true, text: UTF8.decode(plaintext.subarray(1)), epoch, senderKeyVersion };
  } catch {
    // Invalid UTF-8 inside a correctly signed envelope, an epoch with a malformed key or hash, or a directory that threw.
    return fail('malformed');
  }
}

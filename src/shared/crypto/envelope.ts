// The message envelope: text encrypted under the conversation's epoch key and signed by its sender, as one string for the `body` field.
// p2 (current) binds the epoch's member set; p1 envelopes of older history still open.
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { encodeFields, fromBase64url, Reader, readU32, readU64, toBase64url, u32, u64, unwrapPrefixed } from './bytes.js';
import { sign, verifySignature, type Identity, type KeyDirectory } from './identity.js';
import { KEY_BYTES } from './kdf.js';
import { LABELS } from './labels.js';
import { fail, type Outcome } from './result.js';
import { systemRng, type Rng } from './random.js';

/** The current format: the associated data also binds the epoch's member set (its hash). */
const ENVELOPE_PREFIX = 'p2.';
/** The first format: still opened (history), never made by clients any more. */
const ENVELOPE_PREFIX_V1 = 'p1.';
const NONCE_BYTES = 24;
const HEADER_BYTES = 8 + 4 + 4;
const SIGNATURE_BYTES = 64;
const TAG_BYTES = 16;
/** Inside the ciphertext, before the UTF-8 text: what kind of content follows (room for more kinds later). p3 shares it. */
export const CONTENT_TEXT = 0x01;

/** The protocol's `body` limit (LIMITS.bodyMaxLength), restated so this module imports nothing outside crypto/. */
export const BODY_MAX_LENGTH = 16_000;
/** Bytes an envelope adds to the UTF-8 text before base64url: header 16, nonce 24, signature 64, content type 1, tag 16. */
export const ENVELOPE_OVERHEAD_BYTES = HEADER_BYTES + NONCE_BYTES + SIGNATURE_BYTES + 1 + TAG_BYTES;
/** The longest text (in UTF-8 bytes) whose envelope fits in a `body` of `bodyMaxLength` characters (both formats have the same prefix length and overhead). */
export const maxPlaintextBytes = (bodyMaxLength: number): number =>
  Math.max(0, Math.floor(((bodyMaxLength - ENVELOPE_PREFIX.length) * 3) / 4) - ENVELOPE_OVERHEAD_BYTES);
/** The longest text whose envelope fits the protocol's largest `body`: 11,876 bytes of UTF-8. */
export const MAX_PLAINTEXT_BYTES = maxPlaintextBytes(BODY_MAX_LENGTH);

/** Base64url characters of the shortest envelope (an empty text): ceil(121 × 4 / 3). */
const MIN_ENVELOPE_CHARS = Math.ceil((ENVELOPE_OVERHEAD_BYTES * 4) / 3);
const ENVELOPE_SHAPE = new RegExp(`^p[12]\\.[A-Za-z0-9_-]{${MIN_ENVELOPE_CHARS},}$`);

/**
 * Whether a body can be an envelope at all: the prefix, base64url without padding of a length that
 * decodes (never 1 mod 4), and room for the header, nonce, signature, content type and tag. The server
 * cannot open an envelope; this keeps it from storing what no client could.
 */
export function isEnvelopeShaped(body: string): boolean {
  return (body.length - ENVELOPE_PREFIX.length) % 4 !== 1 && ENVELOPE_SHAPE.test(body);
}

/**
 * The conversation id an envelope's header names, so the server can refuse an envelope sent to another
 * conversation than it was made for.
 */
export const envelopeConversationId = (body: string): number | undefined => envelopeHeader(body)?.conversationId;

/** The unauthenticated header of an envelope of either version (what it claims until it is verified). */
export function envelopeHeader(body: string): { conversationId: number; epoch: number; senderKeyVersion: number } | undefined {
  const header = fromBase64url(body.slice(ENVELOPE_PREFIX.length, ENVELOPE_PREFIX.length + 24));
  if (!/^p[12]\./.test(body) || header === undefined || header.length !== 18) return undefined;
  const conversationId = readU64(header, 0);
  return conversationId === undefined ? undefined : { conversationId, epoch: readU32(header, 8), senderKeyVersion: readU32(header, 12) };
}

/** What a message is bound to; the server's `Message` frame carries all of it except the epoch, which the envelope carries. */
export interface MessageContext {
  conversationId: number;
  sender: string;
  clientMsgId: string;
}

/** p2 binds the hash of the epoch's member set; p1 (membersHash undefined) did not. */
const aad = (c: MessageContext, epoch: number, senderKeyVersion: number, membersHash: Uint8Array | undefined): Uint8Array =>
  membersHash === undefined
    ? encodeFields(LABELS.messageAad, u64(c.conversationId), u32(epoch), c.sender, u32(senderKeyVersion), c.clientMsgId)
    : encodeFields(LABELS.messageAadV2, u64(c.conversationId), u32(epoch), c.sender, u32(senderKeyVersion), c.clientMsgId, membersHash);

/** The signature covers the label, every bound field, the nonce and the ciphertext (encrypt, then sign). */
const signed = (c: MessageContext, epoch: number, senderKeyVersion: number, membersHash: Uint8Array | undefined, nonce: Uint8Array, ciphertext: Uint8Array): Uint8Array =>
  encodeFields(membersHash === undefined ? LABELS.messageSignature : LABELS.messageSignatureV2, aad(c, epoch, senderKeyVersion, membersHash), nonce, ciphertext);

type EncryptInput = MessageContext & { text: string; epoch: number; epochKey: Uint8Array; identity: Identity };

function encrypt(input: EncryptInput, membersHash: Uint8Array | undefined, rng: Rng): Outcome<{ body: string }, 'too-long'> {
  if (input.epochKey.length !== KEY_BYTES) throw new RangeError('encryptMessage: an epoch key is 32 bytes');
  const text = utf8ToBytes(input.text);
  if (text.length > MAX_PLAINTEXT_BYTES) return fail('too-long');
  const kv = input.identity.keyVersion;
  // draft-irtf-cfrg-xchacha §3.1: a random 192-bit nonce per message; many senders share one epoch key.
  const nonce = rng(NONCE_BYTES);
  const ciphertext = xchacha20poly1305(input.epochKey, nonce, aad(input, input.epoch, kv, membersHash)).encrypt(concatBytes(Uint8Array.of(CONTENT_TEXT), text));
  const signature = sign(signed(input, input.epoch, kv, membersHash, nonce, ciphertext), input.identity);
  const header = concatBytes(u64(input.conversationId), u32(input.epoch), u32(kv));
  const prefix = membersHash === undefined ? ENVELOPE_PREFIX_V1 : ENVELOPE_PREFIX;
  return { ok: true, body: prefix + toBase64url(concatBytes(header, nonce, signature, ciphertext)) };
}

/**
 * `p2.` + base64url(conversationId u64 | epoch u32 | sender keyVersion u32 | nonce 24 | Ed25519 signature 64 |
 * XChaCha20-Poly1305(epochKey, nonce, aad, 0x01 ‖ UTF-8 text)), where the associated data also binds the
 * hash of the epoch's member set (from its ek2 key). 'too-long' when the result would not fit in `body`.
 */
export function encryptMessage(input: EncryptInput & { membersHash: Uint8Array }, rng: Rng = systemRng): Outcome<{ body: string }, 'too-long'> {
  if (input.membersHash.length !== 32) throw new RangeError('encryptMessage: a members hash is 32 bytes');
  return encrypt(input, input.membersHash, rng);
}

/** The first format (`p1.`): kept to reproduce the frozen vectors and to test that old envelopes open. */
export function encryptMessageV1(input: EncryptInput, rng: Rng = systemRng): Outcome<{ body: string }, 'too-long'> {
  return encrypt(input, undefined, rng);
}

/**
 * Why a message cannot be shown. 'not-encrypted': the body is not an envelope at all (the server, or a
 * client from before end-to-end encryption, sent plain text). 'wrong-conversation': the envelope was
 * made for another conversation. 'bad-signature': the sender's key did not sign this envelope with this
 * sender and clientMsgId (forged, edited or replayed). 'tampered': signed, yet the ciphertext does not
 * open with our key for its epoch. 'unsupported-content': signed and decrypted, but a kind of content this
 client does not know (a newer client's).
 */
export type DecryptFailure =
  | 'not-encrypted'
  | 'unsupported-version'
  | 'malformed'
  | 'wrong-conversation'
  | 'unknown-sender-key'
  | 'bad-signature'
  | 'unknown-epoch'
  | 'tampered'
  | 'unsupported-content';

export type DecryptResult = Outcome<{ text: string; epoch: number; senderKeyVersion: number; version: 1 | 2 }, DecryptFailure>;

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Checks and opens an envelope; returns the text only when every check passed, and never throws. A p2
 * envelope needs `membersHash` for its epoch (from the epoch's ek2 key): without it, 'unknown-epoch'.
 */
export function decryptMessage(
  input: MessageContext & {
    body: unknown;
    epochKeys: (epoch: number) => Uint8Array | undefined;
    membersHash?: (epoch: number) => Uint8Array | undefined;
    keys: KeyDirectory;
  },
): DecryptResult {
  try {
    if (typeof input.body !== 'string' || !/^p[0-9]+\./.test(input.body)) return fail('not-encrypted');
    const version = input.body.startsWith(ENVELOPE_PREFIX) ? 2 : input.body.startsWith(ENVELOPE_PREFIX_V1) ? 1 : undefined;
    if (version === undefined) return fail('unsupported-version');
    const bytes = unwrapPrefixed(input.body, version === 2 ? ENVELOPE_PREFIX : ENVELOPE_PREFIX_V1);
    if (bytes === undefined || bytes.length < HEADER_BYTES + NONCE_BYTES + SIGNATURE_BYTES + 1 + TAG_BYTES) return fail('malformed');
    const r = new Reader(bytes);
    const header = r.take(HEADER_BYTES) as Uint8Array;
    if (readU64(header, 0) !== input.conversationId) return fail('wrong-conversation');
    const epoch = readU32(header, 8);
    const senderKeyVersion = readU32(header, 12);
    const nonce = r.take(NONCE_BYTES) as Uint8Array;
    const signature = r.take(SIGNATURE_BYTES) as Uint8Array;
    const ciphertext = r.rest();
    const sender = input.keys(input.sender, senderKeyVersion);
    if (sender === undefined || sender.username !== input.sender) return fail('unknown-sender-key');
    const hash = version === 2 ? input.membersHash?.(epoch) : undefined;
    if (version === 2 && hash === undefined) return fail('unknown-epoch');
    if (!verifySignature(signature, signed(input, epoch, senderKeyVersion, hash, nonce, ciphertext), sender.ed25519)) return fail('bad-signature');
    const epochKey = input.epochKeys(epoch);
    if (epochKey === undefined) return fail('unknown-epoch');
    let plaintext: Uint8Array;
    try {
      plaintext = xchacha20poly1305(epochKey, nonce, aad(input, epoch, senderKeyVersion, hash)).decrypt(ciphertext);
    } catch {
      return fail('tampered');
    }
    if (plaintext[0] !== CONTENT_TEXT) return fail('unsupported-content');
    return { ok: true, text: UTF8.decode(plaintext.subarray(1)), epoch, senderKeyVersion, version };
  } catch {
    // Invalid UTF-8 inside a correctly signed envelope, or a key directory that threw.
    return fail('malformed');
  }
}

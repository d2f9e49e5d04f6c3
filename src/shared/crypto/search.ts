// Keys and sealing for the search index kept on the device: without the wrap key it holds no readable word.
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { encodeFields, toBase64url, u64, unwrapPrefixed } from './bytes.js';
import { KEY_BYTES } from './kdf.js';
import { LABELS } from './labels.js';
import { systemRng, type Rng } from './random.js';

export const SEARCH_KEY_PREFIX = 'sk1.';
const NONCE_BYTES = 24;
/** Blinded tokens are cut to 96 bits: collisions stay negligible for one person's history, and the index stays small. */
const TOKEN_BYTES = 12;

/** The two keys the index uses, both from its one random index key. */
export interface SearchKeys {
  /** Seals each message's text, sender and peer (XChaCha20-Poly1305). */
  text: Uint8Array;
  /** Blinds the words: HMAC-SHA256, so equal words give equal tokens and nothing else about them shows. */
  token: Uint8Array;
}

/** The key that seals the index key: HKDF-SHA256 over the wrap key (RFC 5869), bound to the username. */
const keyWrapKey = (wrapKey: Uint8Array, username: string): Uint8Array =>
  hkdf(sha256, wrapKey, undefined, encodeFields(LABELS.searchKeyWrap, username), KEY_BYTES);

export const newSearchKey = (rng: Rng = systemRng): Uint8Array => rng(KEY_BYTES);

/**
 * `sk1.` + base64url(nonce 24 | XChaCha20-Poly1305(HKDF(wrapKey), nonce, aad(username), indexKey)). A
 * password change makes a new wrap key: the device that changed it seals the same index key again, other
 * devices find the old seal does not open and start a fresh index.
 */
export function sealSearchKey(input: { indexKey: Uint8Array; wrapKey: Uint8Array; username: string }, rng: Rng = systemRng): string {
  const nonce = rng(NONCE_BYTES);
  const kek = keyWrapKey(input.wrapKey, input.username);
  const sealed = xchacha20poly1305(kek, nonce, encodeFields(LABELS.searchKeyAad, input.username)).encrypt(input.indexKey);
  kek.fill(0);
  return SEARCH_KEY_PREFIX + toBase64url(concatBytes(nonce, sealed));
}

/** The index key, or undefined when the seal is not this user's under this wrap key. Never throws. */
export function openSearchKey(input: { sealed: unknown; wrapKey: Uint8Array; username: string }): Uint8Array | undefined {
  const bytes = unwrapPrefixed(input.sealed, SEARCH_KEY_PREFIX);
  if (bytes === undefined || bytes.length !== NONCE_BYTES + KEY_BYTES + 16) return undefined;
  const kek = keyWrapKey(input.wrapKey, input.username);
  try {
    return xchacha20poly1305(kek, bytes.subarray(0, NONCE_BYTES), encodeFields(LABELS.searchKeyAad, input.username)).decrypt(bytes.subarray(NONCE_BYTES));
  } catch {
    return undefined;
  } finally {
    kek.fill(0);
  }
}

export function searchKeys(indexKey: Uint8Array): SearchKeys {
  return {
    text: hkdf(sha256, indexKey, undefined, encodeFields(LABELS.searchTextKey), KEY_BYTES),
    token: hkdf(sha256, indexKey, undefined, encodeFields(LABELS.searchTokenKey), KEY_BYTES),
  };
}

/** A normalized word (or prefix) as the index stores it: lowercase hex, which every FTS5 tokenizer keeps whole. */
export const blindToken = (tokenKey: Uint8Array, word: string): string => bytesToHex(hmac(sha256, tokenKey, utf8ToBytes(word)).subarray(0, TOKEN_BYTES));

/** Bound to its message: a sealed entry moved to another row does not open there. */
const entryAad = (conversationId: number, seq: number): Uint8Array => encodeFields(LABELS.searchTextAad, u64(conversationId), u64(seq));

/** nonce 24 | XChaCha20-Poly1305(textKey, nonce, aad(conversation, seq), UTF-8 text). */
export function sealEntry(textKey: Uint8Array, conversationId: number, seq: number, text: string, rng: Rng = systemRng): Uint8Array {
  const nonce = rng(NONCE_BYTES);
  return concatBytes(nonce, xchacha20poly1305(textKey, nonce, entryAad(conversationId, seq)).encrypt(utf8ToBytes(text)));
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The text sealed by `sealEntry` for this message, or undefined if it was altered or moved. Never throws. */
export function openEntry(textKey: Uint8Array, conversationId: number, seq: number, sealed: Uint8Array): string | undefined {
  if (sealed.length < NONCE_BYTES + 16) return undefined;
  try {
    return UTF8.decode(xchacha20poly1305(textKey, sealed.subarray(0, NONCE_BYTES), entryAad(conversationId, seq)).decrypt(sealed.subarray(NONCE_BYTES)));
  } catch {
    return undefined;
  }
}

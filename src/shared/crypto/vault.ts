// The user's own sealed notes for their other devices: which contacts' keys they accepted and verified.
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { encodeFields, readU32, toBase64url, u32, unwrapPrefixed } from './bytes.js';
import type { Identity } from './identity.js';
import { KEY_BYTES } from './kdf.js';
import { LABELS } from './labels.js';
import { fail, type Outcome } from './result.js';
import { systemRng, type Rng } from './random.js';

const VAULT_PREFIX = 'vt1.';
const NONCE_BYTES = 24;

/**
 * The vault key: HKDF-SHA256 over the user's private keys (which the wrap key seals on the server), so every
 * device that can open the user's keys can open the vault, a password change does not re-seal it, and the
 * server, which never has the private keys, cannot.
 */
function vaultKey(identity: Identity): Uint8Array {
  return hkdf(sha256, concatBytes(identity.x25519.secretKey, identity.ed25519.secretKey), undefined, encodeFields(LABELS.vaultKey), KEY_BYTES);
}

const aad = (username: string, keyVersion: number): Uint8Array => encodeFields(LABELS.vaultAad, username, u32(keyVersion));

/** `vt1.` + base64url(keyVersion u32 | nonce 24 | XChaCha20-Poly1305(vaultKey, nonce, aad(username, keyVersion), UTF-8 text)). */
export function sealVault(input: { text: string; username: string; identity: Identity }, rng: Rng = systemRng): string {
  const nonce = rng(NONCE_BYTES);
  const key = vaultKey(input.identity);
  const sealed = xchacha20poly1305(key, nonce, aad(input.username, input.identity.keyVersion)).encrypt(utf8ToBytes(input.text));
  key.fill(0);
  return VAULT_PREFIX + toBase64url(concatBytes(u32(input.identity.keyVersion), nonce, sealed));
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Opens a vault sealed by one of the user's devices. 'other-key-version': sealed under keys the user had
 * before a reset (a device re-seals it). 'tampered': not sealed by the user for this username. Never throws.
 */
export function openVault(input: { sealed: unknown; username: string; identity: Identity }): Outcome<{ text: string }, 'malformed' | 'other-key-version' | 'tampered'> {
  const bytes = unwrapPrefixed(input.sealed, VAULT_PREFIX);
  if (bytes === undefined || bytes.length < 4 + NONCE_BYTES + 16) return fail('malformed');
  const keyVersion = readU32(bytes, 0);
  if (keyVersion !== input.identity.keyVersion) return fail('other-key-version');
  const key = vaultKey(input.identity);
  try {
    return { ok: true, text: UTF8.decode(xchacha20poly1305(key, bytes.subarray(4, 4 + NONCE_BYTES), aad(input.username, keyVersion)).decrypt(bytes.subarray(4 + NONCE_BYTES))) };
  } catch {
    return fail('tampered');
  } finally {
    key.fill(0);
  }
}

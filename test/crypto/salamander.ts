// Test-only attacker: one XChaCha20-Poly1305 ciphertext that opens under two chosen keys (Poly1305 is not key-committing).
// After Len, Grubbs and Ristenpart, "Partitioning Oracle Attacks" (USENIX Security 2021), §3: solve one ciphertext block
// so that both keys' Poly1305 tags agree (RFC 8439 §2.5, §2.8). Never use outside tests.
import { xchacha20 } from '@noble/ciphers/chacha.js';
import { randomBytes } from '@noble/hashes/utils.js';

const P = (1n << 130n) - 5n;
const TWO_128 = 1n << 128n;
const R_CLAMP = 0x0ffffffc0ffffffc0ffffffc0fffffffn;

const le = (bytes: Uint8Array): bigint => bytes.reduceRight((n, b) => (n << 8n) | BigInt(b), 0n);
const toLe = (n: bigint, length: number): Uint8Array => Uint8Array.from({ length }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));
const mod = (n: bigint): bigint => ((n % P) + P) % P;
function pow(base: bigint, e: bigint): bigint {
  let out = 1n;
  for (let b = mod(base); e > 0n; e >>= 1n, b = (b * b) % P) if (e & 1n) out = (out * b) % P;
  return out;
}
const inverse = (n: bigint): bigint => pow(n, P - 2n); // Fermat: P is prime

/** RFC 8439 §2.6 via XChaCha20: the one-time Poly1305 key is the first 32 bytes of the keystream at counter 0. */
function polyKey(key: Uint8Array, nonce: Uint8Array): { r: bigint; s: bigint } {
  const block = xchacha20(key, nonce, new Uint8Array(32));
  return { r: le(block.subarray(0, 16)) & R_CLAMP, s: le(block.subarray(16, 32)) };
}

/** RFC 8439 §2.8: aad ‖ pad16 ‖ ciphertext ‖ pad16 ‖ le64(len aad) ‖ le64(len ciphertext), as Poly1305 block values (+2^128). */
function macBlocks(aad: Uint8Array, ciphertext: Uint8Array): bigint[] {
  const pad = (n: number) => (16 - (n % 16)) % 16;
  const data = new Uint8Array(aad.length + pad(aad.length) + ciphertext.length + pad(ciphertext.length) + 16);
  data.set(aad, 0);
  data.set(ciphertext, aad.length + pad(aad.length));
  data.set(toLe(BigInt(aad.length), 8), data.length - 16);
  data.set(toLe(BigInt(ciphertext.length), 8), data.length - 8);
  return Array.from({ length: data.length / 16 }, (_, i) => le(data.subarray(16 * i, 16 * i + 16)) + TWO_128);
}

const poly = (blocks: readonly bigint[], r: bigint): bigint => blocks.reduce((h, m) => ((h + m) * r) % P, 0n);

/**
 * A 48-byte ciphertext (and its tag) that XChaCha20-Poly1305 opens under both `k1` and `k2` with this nonce and associated
 * data: the first block decrypts under k1 to `first` (16 bytes the attacker chose), the second is filler drawn afresh on
 * each attempt, the third is solved for. An attempt fails when the solution is not a full block or the tags differ by p.
 */
export function twoKeyCiphertext(k1: Uint8Array, k2: Uint8Array, nonce: Uint8Array, aad: Uint8Array, first: Uint8Array): Uint8Array {
  if (first.length !== 16) throw new RangeError('twoKeyCiphertext: the chosen block is 16 bytes');
  const [a, b] = [polyKey(k1, nonce), polyKey(k2, nonce)];
  for (let attempt = 0; attempt < 200; attempt++) {
    // Encryption starts at counter 1; XOR with k1's keystream gives the ciphertext block that reads `first` under k1.
    const ciphertext = new Uint8Array(48);
    ciphertext.set(xchacha20(k1, nonce, first, undefined, 1), 0);
    ciphertext.set(randomBytes(16), 16);
    const blocks = macBlocks(aad, ciphertext);
    const j = blocks.length - 2; // the third ciphertext block (the last MAC block holds the lengths)
    blocks[j] = 0n;
    const e = BigInt(blocks.length - j);
    const m = mod((b.s - a.s - (poly(blocks, a.r) - poly(blocks, b.r))) * inverse(pow(a.r, e) - pow(b.r, e)));
    if (m < TWO_128 || m >= 2n * TWO_128) continue;
    blocks[j] = m;
    const t1 = (poly(blocks, a.r) + a.s) % TWO_128;
    const t2 = (poly(blocks, b.r) + b.s) % TWO_128;
    if (t1 !== t2) continue;
    ciphertext.set(toLe(m - TWO_128, 16), 32);
    const out = new Uint8Array(64);
    out.set(ciphertext, 0);
    out.set(toLe(t1, 16), 48);
    return out;
  }
  throw new Error('twoKeyCiphertext: no solution in 200 attempts');
}

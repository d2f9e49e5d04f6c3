// OpenSSL (through node:crypto) versions of the primitives Parley's formats use, for the interop tests that re-derive frozen vectors.
import crypto from 'node:crypto';
import { expect } from 'vitest';

/** A Parley text form's bytes, after checking its prefix. */
export const b64 = (s: string, prefix: string) => {
  expect(s.startsWith(prefix)).toBe(true);
  return Buffer.from(s.slice(prefix.length), 'base64url');
};

export const hex = (s: string) => Buffer.from(s, 'hex');
export const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
export const u64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
};
/** Each field as a 4-byte big-endian length and its bytes (strings as UTF-8). */
export const fields = (...fs: (Buffer | string)[]) => Buffer.concat(fs.flatMap((f) => [u32(Buffer.from(f).length), Buffer.from(f)]));
export const hkdf = (ikm: Buffer, info: Buffer) => Buffer.from(crypto.hkdfSync('sha256', ikm, Buffer.alloc(0), info, 32));

// RFC 8410 key encodings, to load raw X25519/Ed25519 keys into OpenSSL.
export const x25519Private = (secret: Buffer) => crypto.createPrivateKey({ key: Buffer.concat([hex('302e020100300506032b656e04220420'), secret]), format: 'der', type: 'pkcs8' });
export const ed25519Private = (seed: Buffer) => crypto.createPrivateKey({ key: Buffer.concat([hex('302e020100300506032b657004220420'), seed]), format: 'der', type: 'pkcs8' });
export const x25519Public = (raw: Buffer) => crypto.createPublicKey({ key: Buffer.concat([hex('302a300506032b656e032100'), raw]), format: 'der', type: 'spki' });
export const ed25519Public = (raw: Buffer) => crypto.createPublicKey({ key: Buffer.concat([hex('302a300506032b6570032100'), raw]), format: 'der', type: 'spki' });
export const rawPublic = (key: crypto.KeyObject) => Buffer.from(crypto.createPublicKey(key).export({ format: 'jwk' }).x as string, 'base64url');

/**
 * HChaCha20 (draft-irtf-cfrg-xchacha §2.2) from OpenSSL's ChaCha20 block: with the 16-byte nonce in the
 * counter‖nonce words, block 0 is rounds(state) + state, so subtracting the input words 0–3 and 12–15 leaves HChaCha20.
 */
export function hchacha20(key: Buffer, nonce16: Buffer): Buffer {
  const block = crypto.createCipheriv('chacha20', key, nonce16).update(Buffer.alloc(64));
  const sigma = Buffer.from('expand 32-byte k');
  const out = Buffer.alloc(32);
  for (let i = 0; i < 4; i++) {
    out.writeUInt32LE((block.readUInt32LE(4 * i) - sigma.readUInt32LE(4 * i)) >>> 0, 4 * i);
    out.writeUInt32LE((block.readUInt32LE(48 + 4 * i) - nonce16.readUInt32LE(4 * i)) >>> 0, 16 + 4 * i);
  }
  return out;
}

/** XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha §2.3) decryption via OpenSSL's RFC 8439 ChaCha20-Poly1305. */
export function xchachaOpen(key: Buffer, nonce: Buffer, aad: Buffer, sealed: Buffer): Buffer {
  const d = crypto.createDecipheriv('chacha20-poly1305', hchacha20(key, nonce.subarray(0, 16)), Buffer.concat([Buffer.alloc(4), nonce.subarray(16)]), { authTagLength: 16 });
  d.setAAD(aad, { plaintextLength: sealed.length - 16 });
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]);
}

// Byte encodings Parley's crypto formats share: strict base64url, fixed-width integers and unambiguous field lists.
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const LOOKUP: ReadonlyMap<string, number> = new Map([...ALPHABET].map((c, i) => [c, i]));

/** RFC 4648 §5 base64url without padding. Not a cryptographic primitive: only a text form for bytes. */
export function toBase64url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i] ?? 0;
    const b1 = bytes[i + 1] ?? 0;
    const b2 = bytes[i + 2] ?? 0;
    const n = (b0 << 16) | (b1 << 8) | b2;
    const chars = i + 3 <= bytes.length ? 4 : bytes.length - i + 1;
    for (let j = 0; j < chars; j++) out += ALPHABET.charAt((n >> (18 - 6 * j)) & 63);
  }
  return out;
}

/**
 * Strict decoding: refuses padding, other alphabets and non-zero trailing bits, so every byte string
 * has exactly one text form (a flipped character can never decode to the same bytes).
 */
export function fromBase64url(text: string): Uint8Array | undefined {
  if (text.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (const c of text) {
    const v = LOOKUP.get(c);
    if (v === undefined) return undefined;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}

/** Length of `toBase64url` output for `n` bytes. */
export const base64urlLength = (n: number): number => Math.ceil((n * 4) / 3);

export function u32(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff) throw new RangeError('u32 out of range');
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n, false);
  return out;
}

/** A non-negative safe integer as 8 big-endian bytes. */
export function u64(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError('u64 out of range');
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), false);
  return out;
}

export const readU32 = (b: Uint8Array, at: number): number => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, false);

/** Reads a u64 written by `u64`; undefined when it is beyond the safe-integer range. */
export function readU64(b: Uint8Array, at: number): number | undefined {
  const n = new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(at, false);
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : undefined;
}

export type Field = Uint8Array | string;

/**
 * Injective encoding of a list of fields (each a 4-byte big-endian length, then the bytes; strings as
 * UTF-8), so no two different lists give the same bytes. Used for every associated data, HKDF info and
 * signed transcript, which is what makes "bind A, B and C" mean exactly that.
 */
export function encodeFields(...fields: Field[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const f of fields) {
    const bytes = typeof f === 'string' ? utf8ToBytes(f) : f;
    parts.push(u32(bytes.length), bytes);
  }
  return concatBytes(...parts);
}

/** Reads fixed-size slices from a byte string front to back; `take` returns undefined past the end. */
export class Reader {
  private at = 0;
  constructor(private readonly bytes: Uint8Array) {}
  take(n: number): Uint8Array | undefined {
    if (this.at + n > this.bytes.length) return undefined;
    const out = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  rest(): Uint8Array {
    const out = this.bytes.subarray(this.at);
    this.at = this.bytes.length;
    return out;
  }
}

/** Splits `prefix.payload` and decodes the payload; undefined unless the prefix matches exactly. */
export function unwrapPrefixed(text: unknown, prefix: string): Uint8Array | undefined {
  if (typeof text !== 'string' || !text.startsWith(prefix)) return undefined;
  return fromBase64url(text.slice(prefix.length));
}

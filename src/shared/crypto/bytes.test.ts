// Tests for the byte encodings: base64url (RFC 4648 §5) against Node's Buffer, strict decoding, and injective field lists.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { base64urlLength, encodeFields, fromBase64url, readU64, toBase64url, u32, u64 } from './bytes.js';

describe('base64url', () => {
  test('RFC 4648 §10 test vectors (unpadded, URL alphabet)', () => {
    const cases: [string, string][] = [['', ''], ['f', 'Zg'], ['fo', 'Zm8'], ['foo', 'Zm9v'], ['foob', 'Zm9vYg'], ['fooba', 'Zm9vYmE'], ['foobar', 'Zm9vYmFy']];
    for (const [plain, encoded] of cases) {
      expect(toBase64url(new TextEncoder().encode(plain))).toBe(encoded);
      expect(fromBase64url(encoded)).toEqual(new TextEncoder().encode(plain));
    }
    expect(toBase64url(Uint8Array.of(0xfb, 0xff))).toBe('-_8');
  });

  test('agrees with Buffer for random bytes, and round-trips', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const text = toBase64url(bytes);
        expect(text).toBe(Buffer.from(bytes).toString('base64url'));
        expect(text.length).toBe(base64urlLength(bytes.length));
        expect(fromBase64url(text)).toEqual(bytes);
      }),
    );
  });

  test('refuses padding, other alphabets, impossible lengths and non-zero trailing bits', () => {
    for (const bad of ['Zg==', 'Zm9v+', 'Zm9v/', 'Z', 'Zm9vY', 'Zh', 'Zm9', 'Zm 9v', 'Zm9v\n']) {
      expect(fromBase64url(bad), bad).toBeUndefined();
    }
  });
});

describe('integers and fields', () => {
  test('u32 and u64 are big-endian and range-checked', () => {
    expect(u32(0x01020304)).toEqual(Uint8Array.of(1, 2, 3, 4));
    expect(() => u32(-1)).toThrow(RangeError);
    expect(() => u32(2 ** 32)).toThrow(RangeError);
    expect(u64(7)).toEqual(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 7));
    expect(readU64(u64(Number.MAX_SAFE_INTEGER), 0)).toBe(Number.MAX_SAFE_INTEGER);
    expect(readU64(new Uint8Array(8).fill(0xff), 0)).toBeUndefined();
    expect(() => u64(2 ** 53)).toThrow(RangeError);
  });

  test('field lists are injective: moving a boundary changes the bytes', () => {
    expect(encodeFields('ab', 'c')).not.toEqual(encodeFields('a', 'bc'));
    expect(encodeFields('abc')).not.toEqual(encodeFields('abc', ''));
    expect(encodeFields('é')).toEqual(Uint8Array.of(0, 0, 0, 2, 0xc3, 0xa9));
    fc.assert(
      fc.property(fc.array(fc.string()), fc.array(fc.string()), (a, b) => {
        fc.pre(JSON.stringify(a) !== JSON.stringify(b));
        expect(encodeFields(...a)).not.toEqual(encodeFields(...b));
      }),
    );
  });
});

// The search index's keys: derived as docs/search.md says (checked against node:crypto's HKDF and HMAC, RFC 5869 / RFC 2104),
// sealed so that only the same wrap key and username open them, and rows bound to their message.
import { createHmac, hkdfSync } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { encodeFields, fromBase64url, toBase64url } from './bytes.js';
import { LABELS } from './labels.js';
import { blindToken, openEntry, openSearchKey, sealEntry, sealSearchKey, searchKeys } from './search.js';

const wrapKey = new Uint8Array(32).fill(0x42);
const indexKey = Uint8Array.from({ length: 32 }, (_, i) => i);

describe('search index keys', () => {
  test('text and token keys are HKDF-SHA256 of the index key, tokens a 12-byte HMAC-SHA256 in hex', () => {
    const keys = searchKeys(indexKey);
    const hkdf = (label: string) => new Uint8Array(hkdfSync('sha256', indexKey, new Uint8Array(0), encodeFields(label), 32));
    expect(keys.text).toEqual(hkdf(LABELS.searchTextKey));
    expect(keys.token).toEqual(hkdf(LABELS.searchTokenKey));
    const expected = createHmac('sha256', keys.token).update('hello', 'utf8').digest().subarray(0, 12).toString('hex');
    expect(blindToken(keys.token, 'hello')).toBe(expected);
    expect(blindToken(keys.token, 'hell')).not.toBe(expected);
  });

  test('the sealed index key opens with the same wrap key and username only, and any changed byte is refused', () => {
    const sealed = sealSearchKey({ indexKey, wrapKey, username: 'alice' });
    expect(sealed.startsWith('sk1.')).toBe(true);
    expect(openSearchKey({ sealed, wrapKey, username: 'alice' })).toEqual(indexKey);
    expect(openSearchKey({ sealed, wrapKey: new Uint8Array(32).fill(1), username: 'alice' })).toBeUndefined();
    expect(openSearchKey({ sealed, wrapKey, username: 'bob' })).toBeUndefined();
    const bytes = fromBase64url(sealed.slice(4))!;
    for (const i of [0, 24, bytes.length - 1]) {
      const changed = Uint8Array.from(bytes);
      changed[i]! ^= 1;
      expect(openSearchKey({ sealed: `sk1.${toBase64url(changed)}`, wrapKey, username: 'alice' })).toBeUndefined();
    }
    expect(openSearchKey({ sealed: 'not sealed', wrapKey, username: 'alice' })).toBeUndefined();
  });

  test('a sealed row opens only as the message it was sealed for', () => {
    const { text } = searchKeys(indexKey);
    const row = sealEntry(text, 7, 3, 'meet at noon');
    expect(openEntry(text, 7, 3, row)).toBe('meet at noon');
    expect(openEntry(text, 7, 4, row)).toBeUndefined();
    expect(openEntry(text, 8, 3, row)).toBeUndefined();
    expect(Buffer.from(row).includes(Buffer.from('noon'))).toBe(false);
  });
});

// Tests for member sets: one canonical order, one byte form, one hash per set; anything else is refused.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { canonicalMembers, decodeMembers, encodeMembers, membersHash, sameUsernames } from './members.js';

const alice = { username: 'alice', keyVersion: 1 };
const bob = { username: 'bob', keyVersion: 2 };

describe('member sets', () => {
  test('order does not matter; names and key versions do', () => {
    expect(membersHash([alice, bob])).toEqual(membersHash([bob, alice]));
    expect(membersHash([alice, bob])).not.toEqual(membersHash([alice, { ...bob, keyVersion: 3 }]));
    expect(membersHash([alice, bob])).not.toEqual(membersHash([alice, { ...bob, username: 'Bob' }]));
    expect(membersHash([alice])).not.toEqual(membersHash([alice, bob]));
  });

  test('a repeated name, an empty set or a key version out of range is not a member set', () => {
    expect(canonicalMembers([alice, { ...alice, keyVersion: 2 }])).toBeUndefined();
    expect(canonicalMembers([])).toBeUndefined();
    expect(canonicalMembers([{ username: 'x', keyVersion: 0 }])).toBeUndefined();
    expect(canonicalMembers([{ username: '', keyVersion: 1 }])).toBeUndefined();
    expect(() => membersHash([])).toThrow(RangeError);
  });

  test('encode then decode gives the canonical list back; a list out of order or cut short does not decode', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[A-Za-z0-9._-]{1,32}$/), { minLength: 1, maxLength: 20 }), fc.nat({ max: 1000 }), (names, kv) => {
        const members = names.map((username) => ({ username, keyVersion: kv + 1 }));
        const bytes = encodeMembers(members);
        expect(decodeMembers(bytes, 0)).toEqual({ members: canonicalMembers(members), end: bytes.length });
        expect(decodeMembers(bytes.subarray(0, bytes.length - 1), 0)).toBeUndefined();
      }),
      { numRuns: 100 },
    );
    const unordered = Uint8Array.of(0, 2, 3, ...new TextEncoder().encode('bob'), 0, 0, 0, 1, 5, ...new TextEncoder().encode('alice'), 0, 0, 0, 1);
    expect(decodeMembers(unordered, 0)).toBeUndefined();
  });

  test('sameUsernames compares the names only, as sets', () => {
    expect(sameUsernames([alice, bob], ['bob', 'alice'])).toBe(true);
    expect(sameUsernames([alice, bob], ['alice'])).toBe(false);
    expect(sameUsernames([alice], ['alice', 'alice'])).toBe(true);
    expect(sameUsernames([alice, bob], ['alice', 'carol'])).toBe(false);
  });
});

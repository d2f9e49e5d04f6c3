// Tests for fingerprints and safety numbers (Signal's iterated SHA-512 construction over both identity keys) and key-change detection.
import { describe, expect, test } from 'vitest';
import { generateIdentity, publicIdentityOf } from './identity.js';
import { checkContactKeys, fingerprint, formatDigits, rememberContact, safetyNumber } from './safety-number.js';

const alice = publicIdentityOf(generateIdentity(), 'alice');
const bob = publicIdentityOf(generateIdentity(), 'bob');

describe('safety numbers', () => {
  test('60 digits, the same whichever side computes it, made of both 30-digit fingerprints', () => {
    const n = safetyNumber(alice, bob);
    expect(n).toMatch(/^\d{60}$/);
    expect(safetyNumber(bob, alice)).toBe(n);
    expect([n.slice(0, 30), n.slice(30)].sort()).toEqual([fingerprint(alice), fingerprint(bob)].sort());
    expect(formatDigits(n).split(' ')).toHaveLength(12);
  });

  test('changing either key, or the username, changes the fingerprint', () => {
    const f = fingerprint(alice);
    expect(f).toMatch(/^\d{30}$/);
    expect(fingerprint({ ...alice, x25519: generateIdentity().x25519.publicKey })).not.toBe(f);
    expect(fingerprint({ ...alice, ed25519: generateIdentity().ed25519.publicKey })).not.toBe(f);
    expect(fingerprint({ ...alice, username: 'Alice' })).not.toBe(f);
    expect(fingerprint({ ...alice, keyVersion: 9 })).toBe(f);
  });
});

describe('contact key changes', () => {
  test('new, then same, then verified, then changed (and it says it had been verified)', () => {
    expect(checkContactKeys(undefined, bob)).toEqual({ status: 'new', fingerprint: fingerprint(bob) });
    const seen = rememberContact(bob, false);
    expect(checkContactKeys(seen, bob)).toMatchObject({ status: 'same', verified: false });
    const verified = rememberContact(bob, true);
    expect(checkContactKeys(verified, bob)).toMatchObject({ status: 'same', verified: true });
    const swapped = publicIdentityOf(generateIdentity(), 'bob');
    expect(checkContactKeys(verified, swapped)).toEqual({
      status: 'changed',
      wasVerified: true,
      previous: fingerprint(bob),
      fingerprint: fingerprint(swapped),
    });
    expect(checkContactKeys(seen, swapped)).toMatchObject({ status: 'changed', wasVerified: false });
  });

  test("comparing one contact's record with another contact's keys is a programming error", () => {
    expect(() => checkContactKeys(rememberContact(bob, true), alice)).toThrow(RangeError);
  });
});

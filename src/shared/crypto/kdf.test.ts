// Tests for password-based key derivation (RFC 9106 argon2id → RFC 5869 HKDF), salts and realms; known answers are in test/crypto/vectors/kdf.json.
import { describe, expect, test } from 'vitest';
import { bytesToHex } from '@noble/hashes/utils.js';
import { boundSalt, deriveKeys, KDF_BOUNDS, KDF_DEFAULT, KDF_V1, parseKdfDescriptor } from './kdf.js';
import { fakeSalt, newSalt, realmOf } from './salt.js';

const REALM = realmOf(new Uint8Array(32).fill(1));

describe('KDF descriptor', () => {
  test('the default is v2 argon2id m=64 MiB, t=3, p=1 and is accepted', () => {
    expect(KDF_DEFAULT).toEqual({ v: 2, alg: 'argon2id', m: 65_536, t: 3, p: 1 });
    expect(parseKdfDescriptor(KDF_DEFAULT)).toEqual(KDF_DEFAULT);
    expect(parseKdfDescriptor(JSON.parse(JSON.stringify(KDF_DEFAULT)))).toEqual(KDF_DEFAULT);
  });

  test('v1 (OWASP argon2id m=19 MiB, t=2, p=1, accounts made before v2) is still accepted', () => {
    expect(KDF_V1).toEqual({ v: 1, alg: 'argon2id', m: 19_456, t: 2, p: 1 });
    expect(parseKdfDescriptor(KDF_V1)).toEqual(KDF_V1);
  });

  test('refuses anything below the floor (a downgrade by the server), above the ceilings, or not v1/v2 argon2id', () => {
    const bad: unknown[] = [
      undefined,
      null,
      'argon2id',
      { ...KDF_V1, m: 19_455 },
      { ...KDF_V1, t: 1 },
      { ...KDF_V1, p: 0 },
      { ...KDF_V1, m: KDF_BOUNDS.maxM + 1 },
      { ...KDF_V1, t: KDF_BOUNDS.maxT + 1 },
      { ...KDF_V1, p: KDF_BOUNDS.maxP + 1 },
      { ...KDF_V1, m: 19_456.5 },
      { ...KDF_V1, t: '2' },
      { ...KDF_V1, v: 3 },
      { ...KDF_V1, alg: 'argon2i' },
      { ...KDF_V1, extra: 1 },
      // v2's floor is higher: v1's parameters under a v2 label, or just under 64 MiB or 3 passes, are refused.
      { ...KDF_V1, v: 2 },
      { ...KDF_DEFAULT, m: 65_535 },
      { ...KDF_DEFAULT, t: 2 },
      { ...KDF_DEFAULT, p: 0 },
      { ...KDF_DEFAULT, m: KDF_BOUNDS.maxM + 1 },
      { ...KDF_DEFAULT, t: KDF_BOUNDS.maxT + 1 },
      // Each inside its own ceiling, but together too slow: a server must not make a client hang.
      { ...KDF_DEFAULT, m: KDF_BOUNDS.maxM, t: KDF_BOUNDS.maxT },
      { ...KDF_DEFAULT, m: 131_072, t: 9 },
    ];
    for (const d of bad) expect(parseKdfDescriptor(d), JSON.stringify(d)).toBeUndefined();
    expect(parseKdfDescriptor({ ...KDF_DEFAULT, m: KDF_BOUNDS.maxM, t: 4 })).toBeDefined();
    expect(parseKdfDescriptor({ ...KDF_DEFAULT, t: KDF_BOUNDS.maxT })).toBeDefined();
  });

  test('deriveKeys reports a refused descriptor, salt or realm instead of deriving', async () => {
    const salt = newSalt();
    expect(await deriveKeys({ username: 'a', password: 'pw', salt, kdf: { ...KDF_DEFAULT, m: 1024 }, realm: REALM })).toEqual({ ok: false, reason: 'kdf-rejected' });
    expect(await deriveKeys({ username: 'a', password: 'pw', salt: salt.slice(0, 15), kdf: KDF_DEFAULT, realm: REALM })).toEqual({ ok: false, reason: 'salt-invalid' });
    // v2 never uses the server's salt alone: without a well-formed realm there is nothing to bind it to.
    expect(await deriveKeys({ username: 'a', password: 'pw', salt, kdf: KDF_DEFAULT })).toEqual({ ok: false, reason: 'realm-invalid' });
    expect(await deriveKeys({ username: 'a', password: 'pw', salt, kdf: KDF_DEFAULT, realm: 'short' })).toEqual({ ok: false, reason: 'realm-invalid' });
  });
});

describe('deriveKeys with the real parameters', () => {
  const hexKeys = async (username: string, password: string, salt: Uint8Array, kdf = KDF_DEFAULT, realm: string | undefined = REALM) => {
    const out = await deriveKeys({ username, password, salt, kdf, realm });
    if (!out.ok) throw new Error(out.reason);
    return [bytesToHex(out.authKey), bytesToHex(out.wrapKey)];
  };

  test('auth and wrap keys are 32 bytes, differ from each other, and depend on password, salt, username and realm', async () => {
    const salt = newSalt();
    const [auth, wrap] = await hexKeys('alice', 'hunter22 hunter22', salt);
    expect(auth).toHaveLength(64);
    expect(wrap).toHaveLength(64);
    expect(auth).not.toBe(wrap);
    const others = [
      await hexKeys('alice', 'hunter22 hunter23', salt),
      await hexKeys('Alice', 'hunter22 hunter22', salt),
      await hexKeys('alice', 'hunter22 hunter22', newSalt()),
      await hexKeys('alice', 'hunter22 hunter22', salt, KDF_DEFAULT, realmOf(new Uint8Array(32).fill(2))),
      await hexKeys('alice', 'hunter22 hunter22', salt, KDF_V1, undefined),
    ];
    for (const [a, w] of others) {
      expect(a).not.toBe(auth);
      expect(w).not.toBe(wrap);
    }
  });

  test('v2 binds the argon2id salt: one stored salt for two users or two realms gives two argon2id salts', () => {
    const stored = newSalt();
    const salts = [boundSalt(REALM, 'alice', stored), boundSalt(REALM, 'bob', stored), boundSalt(realmOf(new Uint8Array(32).fill(2)), 'alice', stored)];
    expect(new Set(salts.map(bytesToHex)).size).toBe(3);
    // 32 bytes, so it can never equal a 16-byte v1 salt.
    for (const s of salts) expect(s).toHaveLength(32);
  });
});

describe('salts and realms', () => {
  test('a new salt is 16 random bytes', () => {
    expect(newSalt()).toHaveLength(16);
    expect(newSalt()).not.toEqual(newSalt());
  });

  test('the fake salt for an unknown username is stable per server and username, and unrelated otherwise', () => {
    const secret = new Uint8Array(32).fill(7);
    const other = new Uint8Array(32).fill(8);
    expect(fakeSalt(secret, 'ghost')).toHaveLength(16);
    expect(fakeSalt(secret, 'ghost')).toEqual(fakeSalt(secret, 'ghost'));
    expect(fakeSalt(secret, 'ghost')).not.toEqual(fakeSalt(secret, 'Ghost'));
    expect(fakeSalt(secret, 'ghost')).not.toEqual(fakeSalt(other, 'ghost'));
    expect(() => fakeSalt(new Uint8Array(31), 'ghost')).toThrow(RangeError);
  });

  test('the realm id is 22 base64url characters, stable per server secret, and unrelated to the fake salts', () => {
    const secret = new Uint8Array(32).fill(7);
    expect(realmOf(secret)).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(realmOf(secret)).toBe(realmOf(secret));
    expect(realmOf(secret)).not.toBe(realmOf(new Uint8Array(32).fill(8)));
    expect(() => realmOf(new Uint8Array(31))).toThrow(RangeError);
  });
});

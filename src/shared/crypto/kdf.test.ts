// Tests for password-based key derivation (RFC 9106 argon2id → RFC 5869 HKDF) and salts; known answers are in test/vectors/kdf.json.
import { describe, expect, test } from 'vitest';
import { bytesToHex } from '@noble/hashes/utils.js';
import { deriveKeys, KDF_BOUNDS, KDF_DEFAULT, parseKdfDescriptor } from './kdf.js';
import { fakeSalt, newSalt } from './salt.js';

describe('KDF descriptor', () => {
  test('the default is OWASP argon2id m=19 MiB, t=2, p=1 and is accepted', () => {
    expect(KDF_DEFAULT).toEqual({ v: 1, alg: 'argon2id', m: 19_456, t: 2, p: 1 });
    expect(parseKdfDescriptor(KDF_DEFAULT)).toEqual(KDF_DEFAULT);
    expect(parseKdfDescriptor(JSON.parse(JSON.stringify(KDF_DEFAULT)))).toEqual(KDF_DEFAULT);
  });

  test('refuses anything below the floor (a downgrade by the server), above the ceilings, or not v1 argon2id', () => {
    const bad: unknown[] = [
      undefined,
      null,
      'argon2id',
      { ...KDF_DEFAULT, m: 19_455 },
      { ...KDF_DEFAULT, t: 1 },
      { ...KDF_DEFAULT, p: 0 },
      { ...KDF_DEFAULT, m: KDF_BOUNDS.maxM + 1 },
      { ...KDF_DEFAULT, t: KDF_BOUNDS.maxT + 1 },
      { ...KDF_DEFAULT, p: KDF_BOUNDS.maxP + 1 },
      { ...KDF_DEFAULT, m: 19_456.5 },
      { ...KDF_DEFAULT, t: '2' },
      { ...KDF_DEFAULT, v: 2 },
      { ...KDF_DEFAULT, alg: 'argon2i' },
      { ...KDF_DEFAULT, extra: 1 },
    ];
    for (const d of bad) expect(parseKdfDescriptor(d), JSON.stringify(d)).toBeUndefined();
  });

  test('deriveKeys reports a refused descriptor or salt instead of deriving', async () => {
    const salt = newSalt();
    expect(await deriveKeys({ username: 'a', password: 'pw', salt, kdf: { ...KDF_DEFAULT, m: 1024 } })).toEqual({ ok: false, reason: 'kdf-rejected' });
    expect(await deriveKeys({ username: 'a', password: 'pw', salt: salt.slice(0, 15), kdf: KDF_DEFAULT })).toEqual({ ok: false, reason: 'salt-invalid' });
  });
});

describe('deriveKeys with the real parameters', () => {
  test('auth and wrap keys are 32 bytes, differ from each other, and depend on password, salt and username', async () => {
    const salt = newSalt();
    const derive = async (username: string, password: string, s = salt) => {
      const out = await deriveKeys({ username, password, salt: s, kdf: KDF_DEFAULT });
      if (!out.ok) throw new Error(out.reason);
      return [bytesToHex(out.authKey), bytesToHex(out.wrapKey)];
    };
    const [auth, wrap] = await derive('alice', 'hunter22 hunter22');
    expect(auth).toHaveLength(64);
    expect(wrap).toHaveLength(64);
    expect(auth).not.toBe(wrap);
    const others = [await derive('alice', 'hunter22 hunter23'), await derive('Alice', 'hunter22 hunter22'), await derive('alice', 'hunter22 hunter22', newSalt())];
    for (const [a, w] of others) {
      expect(a).not.toBe(auth);
      expect(w).not.toBe(wrap);
    }
  });
});

describe('salts', () => {
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
});

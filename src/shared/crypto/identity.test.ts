// Tests for identities: RFC 7748 / RFC 8032 key pairs and the self-signed pub1. public form.
import { describe, expect, test } from 'vitest';
import { fromBase64url, toBase64url } from './bytes.js';
import { encodePublicIdentity, generateIdentity, parsePublicIdentity, publicIdentityOf } from './identity.js';

describe('public identity', () => {
  const alice = generateIdentity();
  const mallory = generateIdentity();
  const published = encodePublicIdentity(alice, 'alice');

  test('round-trips and carries the key version', () => {
    expect(published.startsWith('pub1.')).toBe(true);
    expect(parsePublicIdentity(published, 'alice')).toEqual({ ok: true, identity: publicIdentityOf(alice, 'alice') });
    const v3 = generateIdentity(3);
    const parsed = parsePublicIdentity(encodePublicIdentity(v3, 'alice'), 'alice');
    expect(parsed.ok && parsed.identity.keyVersion).toBe(3);
  });

  test("refuses alice's keys presented as bob's (the self-signature covers the username)", () => {
    expect(parsePublicIdentity(published, 'bob')).toEqual({ ok: false, reason: 'bad-signature' });
  });

  test('refuses a server that swaps in its own X25519 key while keeping the signing key', () => {
    const bytes = fromBase64url(published.slice(5)) as Uint8Array;
    bytes.set(mallory.x25519.publicKey, 4);
    expect(parsePublicIdentity(`pub1.${toBase64url(bytes)}`, 'alice')).toEqual({ ok: false, reason: 'bad-signature' });
  });

  test('refuses malformed input without throwing', () => {
    for (const bad of [undefined, 42, '', 'pub1.', 'pub2.' + published.slice(5), published.slice(0, -2), `${published}AA`, 'pub1.***']) {
      expect(parsePublicIdentity(bad, 'alice')).toEqual({ ok: false, reason: 'malformed' });
    }
    const zeroVersion = fromBase64url(published.slice(5)) as Uint8Array;
    zeroVersion.set([0, 0, 0, 0], 0);
    expect(parsePublicIdentity(`pub1.${toBase64url(zeroVersion)}`, 'alice')).toEqual({ ok: false, reason: 'malformed' });
  });

  test('key versions start at 1', () => {
    expect(() => generateIdentity(0)).toThrow(RangeError);
  });
});

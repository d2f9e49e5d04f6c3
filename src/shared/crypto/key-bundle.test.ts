// Tests for kb1. sealed private keys (XChaCha20-Poly1305, draft-irtf-cfrg-xchacha), including the re-wrap on password change.
import { describe, expect, test } from 'vitest';
import { randomBytes } from '@noble/hashes/utils.js';
import { generateIdentity, publicIdentityOf } from './identity.js';
import { openIdentity, sealIdentity } from './key-bundle.js';

describe('key bundle', () => {
  const identity = generateIdentity();
  const wrapKey = randomBytes(32);
  const bundle = sealIdentity({ identity, username: 'alice', wrapKey });
  const published = publicIdentityOf(identity, 'alice');

  test('opens with the wrap key to the same identity, and matches the published keys', () => {
    expect(bundle.startsWith('kb1.')).toBe(true);
    expect(openIdentity({ bundle, username: 'alice', wrapKey, published })).toEqual({ ok: true, identity });
  });

  test('a random nonce each time: sealing twice gives two different bundles', () => {
    expect(sealIdentity({ identity, username: 'alice', wrapKey })).not.toBe(bundle);
  });

  test('a wrong wrap key or another account name reads as tampered', () => {
    expect(openIdentity({ bundle, username: 'alice', wrapKey: randomBytes(32) })).toEqual({ ok: false, reason: 'tampered' });
    expect(openIdentity({ bundle, username: 'Alice', wrapKey })).toEqual({ ok: false, reason: 'tampered' });
  });

  test('a server that publishes other public keys than the bundle holds is caught', () => {
    const other = publicIdentityOf(generateIdentity(), 'alice');
    expect(openIdentity({ bundle, username: 'alice', wrapKey, published: other })).toEqual({ ok: false, reason: 'public-key-mismatch' });
    expect(openIdentity({ bundle, username: 'alice', wrapKey, published: { ...published, keyVersion: 2 } })).toEqual({ ok: false, reason: 'public-key-mismatch' });
  });

  test('password change: re-wrapped under the new wrap key, the same keys open; the old wrap key no longer opens the new bundle', () => {
    const opened = openIdentity({ bundle, username: 'alice', wrapKey });
    if (!opened.ok) throw new Error(opened.reason);
    const newWrapKey = randomBytes(32);
    const rewrapped = sealIdentity({ identity: opened.identity, username: 'alice', wrapKey: newWrapKey });
    expect(openIdentity({ bundle: rewrapped, username: 'alice', wrapKey: newWrapKey, published })).toEqual({ ok: true, identity });
    expect(openIdentity({ bundle: rewrapped, username: 'alice', wrapKey })).toEqual({ ok: false, reason: 'tampered' });
  });

  test('malformed bundles are reported, never thrown', () => {
    for (const bad of [undefined, '', 'kb1.', 'kb2.' + bundle.slice(4), bundle.slice(0, -3), `${bundle}A`, 'kb1.!!!!']) {
      expect(openIdentity({ bundle: bad, username: 'alice', wrapKey })).toEqual({ ok: false, reason: 'malformed' });
    }
    expect(openIdentity({ bundle, username: 'alice', wrapKey: wrapKey.slice(1) })).toEqual({ ok: false, reason: 'malformed' });
  });
});

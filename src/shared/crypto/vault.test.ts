// Tests for the vault: the user's devices open it, nobody else does, and no byte of it can be changed unnoticed.
import { describe, expect, test } from 'vitest';
import { fromBase64url, toBase64url } from './bytes.js';
import { generateIdentity } from './identity.js';
import { openVault, sealVault } from './vault.js';

describe('vault', () => {
  const identity = generateIdentity();
  const text = JSON.stringify({ contacts: { bob: { verified: true } } });
  const sealed = sealVault({ text, username: 'alice', identity });

  test('the user reopens it with the same keys; the text is not readable in it', () => {
    expect(sealed.startsWith('vt1.')).toBe(true);
    expect(sealed).not.toContain('bob');
    expect(openVault({ sealed, username: 'alice', identity })).toEqual({ ok: true, text });
    expect(sealVault({ text, username: 'alice', identity })).not.toBe(sealed);
  });

  test('other keys, another username, a key version from before a reset, or any changed byte: refused', () => {
    expect(openVault({ sealed, username: 'alice', identity: generateIdentity() })).toEqual({ ok: false, reason: 'tampered' });
    expect(openVault({ sealed, username: 'Alice', identity })).toEqual({ ok: false, reason: 'tampered' });
    expect(openVault({ sealed, username: 'alice', identity: { ...identity, keyVersion: 2 } })).toEqual({ ok: false, reason: 'other-key-version' });
    const bytes = fromBase64url(sealed.slice(4))!;
    for (let i = 4; i < bytes.length; i += 7) {
      const changed = Uint8Array.from(bytes);
      changed[i] = changed[i]! ^ 1;
      expect(openVault({ sealed: `vt1.${toBase64url(changed)}`, username: 'alice', identity }).ok).toBe(false);
    }
    for (const bad of [undefined, '', 'vt1.', 'vt1.AAAA', sealed.replace('vt1.', 'vt2.')]) {
      expect(openVault({ sealed: bad, username: 'alice', identity })).toEqual({ ok: false, reason: 'malformed' });
    }
  });
});

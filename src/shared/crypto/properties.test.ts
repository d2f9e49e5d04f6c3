// Property tests (fast-check): any one-byte change to an envelope, sealed epoch key or key bundle fails with a reason and never yields
// text or a key; envelopes replayed into another context fail; random text, emoji and near-maximum lengths round-trip.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { randomBytes } from '@noble/hashes/utils.js';
import { fromBase64url, toBase64url } from './bytes.js';
import { decryptMessage, encryptMessage, MAX_PLAINTEXT_BYTES } from './envelope.js';
import { openEpochKey, sealEpochKey } from './epoch-key.js';
import { openIdentity, sealIdentity } from './key-bundle.js';
import { directConversation } from '../../../test/crypto/fixtures.js';

const c = directConversation();
const { alice, bob } = c;
const ctx = { conversationId: c.conversationId, sender: 'alice', clientMsgId: 'c-1' };
const encrypt = (text: string, over: Partial<typeof ctx & { epoch: number }> = {}) => {
  const out = encryptMessage({ ...ctx, ...over, text, epoch: over.epoch ?? c.epoch, epochKey: c.epochKey, identity: alice.identity, membersHash: c.membersHash });
  if (!out.ok) throw new Error(out.reason);
  return out.body;
};
const decrypt = (body: string, over: Partial<typeof ctx> = {}) => decryptMessage({ ...ctx, ...over, body, epochKeys: c.epochKeys, membersHash: c.membersHashes, keys: c.keys });

/** Replaces byte `index` (modulo the length) of the decoded payload by XOR with a non-zero mask, and re-encodes. */
function tamperBytes(text: string, prefix: string, index: number, mask: number): string {
  const bytes = fromBase64url(text.slice(prefix.length)) as Uint8Array;
  const i = index % bytes.length;
  bytes[i] = (bytes[i] as number) ^ mask;
  return prefix + toBase64url(bytes);
}

const byteChange = fc.record({ index: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) });
/** Also edits at the text level: any one character replaced by any other (may break the base64url itself). */
const charChange = fc.record({ index: fc.nat(), char: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ') });
const replaceChar = (text: string, index: number, char: string) => {
  const i = index % text.length;
  return text.slice(0, i) + char + text.slice(i + 1);
};

describe('tampering', () => {
  const body = encrypt('meet at the north gate 🚪');

  test('any single-byte change to an envelope fails with a reason', () => {
    fc.assert(
      fc.property(byteChange, ({ index, mask }) => {
        const out = decrypt(tamperBytes(body, 'p2.', index, mask));
        expect(out.ok).toBe(false);
        expect(out).not.toHaveProperty('text');
      }),
      { numRuns: 300 },
    );
  });

  test('any single-character change to an envelope string fails with a reason', () => {
    fc.assert(
      fc.property(charChange, ({ index, char }) => {
        const changed = replaceChar(body, index, char);
        fc.pre(changed !== body);
        expect(decrypt(changed).ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  test('any single-byte change to a sealed epoch key fails with a reason', () => {
    const sealed = sealEpochKey({ epochKey: c.epochKey, conversationId: c.conversationId, epoch: 1, recipient: bob.pub, creator: alice.identity, creatorName: 'alice', members: c.members });
    const open = (s: string) =>
      openEpochKey({ sealed: s, conversationId: c.conversationId, epoch: 1, me: bob.identity, myName: 'bob', creatorName: 'alice', members: ['alice', 'bob'], keys: c.keys });
    expect(open(sealed).ok).toBe(true);
    fc.assert(
      fc.property(byteChange, ({ index, mask }) => {
        const out = open(tamperBytes(sealed, 'ek2.', index, mask));
        expect(out.ok).toBe(false);
        expect(out).not.toHaveProperty('epochKey');
      }),
      { numRuns: 300 },
    );
  });

  test('any single-byte change to a key bundle fails with a reason', () => {
    const wrapKey = randomBytes(32);
    const bundle = sealIdentity({ identity: alice.identity, username: 'alice', wrapKey });
    fc.assert(
      fc.property(byteChange, ({ index, mask }) => {
        const out = openIdentity({ bundle: tamperBytes(bundle, 'kb1.', index, mask), username: 'alice', wrapKey, published: alice.pub });
        expect(out.ok).toBe(false);
        expect(out).not.toHaveProperty('identity');
      }),
      { numRuns: 300 },
    );
  });
});

describe('replay', () => {
  test('an envelope presented in another conversation, or with another sender or clientMsgId, fails with a reason', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 50 }),
        fc.record({
          conversationId: fc.option(fc.integer({ min: 1, max: 2 ** 40 }), { nil: undefined }),
          sender: fc.option(fc.constantFrom('bob', 'carol', 'mallory', 'Alice'), { nil: undefined }),
          clientMsgId: fc.option(fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), { nil: undefined }),
        }),
        (text, change) => {
          const replay = Object.fromEntries(Object.entries(change).filter(([k, val]) => val !== undefined && val !== ctx[k as keyof typeof ctx]));
          fc.pre(Object.keys(replay).length > 0);
          const out = decrypt(encrypt(text), replay);
          expect(out.ok).toBe(false);
          if (!out.ok) expect(['wrong-conversation', 'bad-signature', 'unknown-sender-key']).toContain(out.reason);
        },
      ),
      { numRuns: 150 },
    );
  });

  test('an envelope from an epoch the reader holds no key for fails with unknown-epoch', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 2 ** 32 - 1 }), (epoch) => {
        expect(decrypt(encrypt('hi', { epoch }))).toEqual({ ok: false, reason: 'unknown-epoch' });
      }),
      { numRuns: 50 },
    );
  });
});

describe('round trips', () => {
  test('random Unicode text, emoji included, decrypts to itself', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.oneof(fc.constant('👩‍👩‍👧'), fc.constant('🔑'), fc.constantFrom('é', 'ß', '日', '\u0000', '\n'), fc.string({ unit: 'grapheme' })), maxLength: 300 }), (text) => {
        expect(decrypt(encrypt(text))).toMatchObject({ ok: true, text });
      }),
      { numRuns: 200 },
    );
  });

  test('texts near the 11,876-byte maximum round-trip; one byte more is refused', () => {
    fc.assert(
      fc.property(fc.integer({ min: MAX_PLAINTEXT_BYTES - 600, max: MAX_PLAINTEXT_BYTES }), fc.constantFrom('a', 'é', '日', '🔑'), (bytes, unit) => {
        const unitBytes = new TextEncoder().encode(unit).length;
        const text = unit.repeat(Math.floor(bytes / unitBytes));
        const body = encrypt(text);
        expect(body.length).toBeLessThanOrEqual(16_000);
        expect(decrypt(body)).toMatchObject({ ok: true, text });
      }),
      { numRuns: 40 },
    );
    const over = encryptMessage({ ...ctx, text: '🔑'.repeat(MAX_PLAINTEXT_BYTES / 4 + 1), epoch: 1, epochKey: c.epochKey, identity: alice.identity, membersHash: c.membersHash });
    expect(over).toEqual({ ok: false, reason: 'too-long' });
  });
});

// Tests for ek3. group epoch key copies: X25519 (RFC 7748) + HKDF-SHA256 (RFC 5869) + XChaCha20-Poly1305, signed by the creator (RFC 8032),
// against a lying server that rewrites, moves, truncates or re-encodes copies.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { concatBytes } from '@noble/hashes/utils.js';
import { encodeFields, fromBase64url, toBase64url, u32, u64 } from './bytes.js';
import { GROUP_EPOCH_KEY_BYTES, GROUP_EPOCH_KEY_CHARS, openGroupEpochKey, readGroupEpochKeyHeader, sealGroupEpochKey } from './group-epoch-key.js';
import { newEpochKey } from './epoch-key.js';
import { sign } from './identity.js';
import { LABELS } from './labels.js';
import { membersHash } from './members.js';
import { groupConversation, makeUser } from '../../../test/crypto/fixtures.js';

const g = groupConversation();
const { alice, bob, carol, dave, state } = g;
const seal = (over: Partial<Parameters<typeof sealGroupEpochKey>[0]> = {}) =>
  sealGroupEpochKey({
    conversationId: g.conversationId,
    epoch: g.epoch,
    key: g.epochKey,
    creator: alice.identity,
    creatorName: 'alice',
    recipient: bob.pub,
    chainLength: state.length,
    head: state.head,
    membersHash: state.membersHash,
    ...over,
  });
const expected = {
  conversationId: g.conversationId,
  epoch: g.epoch,
  recipient: bob.identity,
  recipientName: 'bob',
  creator: alice.pub,
  chainLength: state.length,
  head: state.head,
  membersHash: state.membersHash,
};
const open = (text: unknown, over: Partial<typeof expected> = {}) => openGroupEpochKey(text, { ...expected, ...over });
const copy = seal();

const bytesOf = (text: string) => fromBase64url(text.slice(4)) as Uint8Array;
const ek3 = (bytes: Uint8Array) => `ek3.${toBase64url(bytes)}`;
/** The copy with bytes [at, at + value.length) replaced. */
const rewrite = (text: string, at: number, value: Uint8Array) => {
  const bytes = bytesOf(text);
  bytes.set(value, at);
  return ek3(bytes);
};

describe('sealing and opening', () => {
  test('every member opens the key its creator sealed to them, the creator included', () => {
    expect(copy.startsWith('ek3.')).toBe(true);
    expect(open(copy)).toMatchObject({ ok: true, epochKey: g.epochKey });
    for (const member of [alice, carol]) {
      const own = seal({ recipient: member.pub });
      expect(open(own, { recipient: member.identity, recipientName: member.name })).toMatchObject({ ok: true, epochKey: g.epochKey });
    }
  });

  test('a copy is 232 bytes, 314 characters with its prefix, whatever the group size; 170+ fit a 64 KiB frame', () => {
    expect(GROUP_EPOCH_KEY_BYTES).toBe(232);
    expect(GROUP_EPOCH_KEY_CHARS).toBe(314);
    expect(copy).toHaveLength(GROUP_EPOCH_KEY_CHARS);
    // One addEpoch entry with the longest username the protocol allows (32 characters).
    const entry = JSON.stringify({ recipient: 'x'.repeat(32), sealed: copy }).length + 1;
    expect(Math.floor((64 * 1024 - 200) / entry)).toBeGreaterThanOrEqual(170);
  });

  test('two seals of one key differ (a fresh ephemeral key each time)', () => {
    expect(seal()).not.toBe(copy);
  });

  test('the server reads the header, and nothing else', () => {
    expect(readGroupEpochKeyHeader(copy)).toEqual({
      conversationId: 9,
      epoch: 1,
      recipientKeyVersion: 1,
      creatorKeyVersion: 1,
      chainLength: 1,
      head: state.head,
      membersHash: state.membersHash,
    });
    for (const bad of [undefined, 42, '', 'ek3.', copy.slice(0, -1), `ek2.${copy.slice(4)}`, `${copy}AAAA`]) expect(readGroupEpochKeyHeader(bad)).toBeNull();
  });
});

describe('refusals, one per bound value', () => {
  test('another conversation, epoch, recipient key version or creator key version', () => {
    expect(open(copy, { conversationId: 10 })).toEqual({ ok: false, reason: 'wrong-conversation' });
    expect(open(copy, { epoch: 2 })).toEqual({ ok: false, reason: 'wrong-epoch' });
    expect(open(copy, { recipient: makeUser('bob', 2).identity })).toEqual({ ok: false, reason: 'wrong-recipient-key' });
    expect(open(copy, { creator: { ...alice.pub, keyVersion: 2 } })).toEqual({ ok: false, reason: 'wrong-creator-key' });
  });

  test('another chain length, head or member set than the client verified', () => {
    expect(open(copy, { chainLength: 2 })).toEqual({ ok: false, reason: 'wrong-chain-length' });
    expect(open(copy, { head: new Uint8Array(32) })).toEqual({ ok: false, reason: 'wrong-head' });
    expect(open(copy, { head: state.head.subarray(0, 31) })).toEqual({ ok: false, reason: 'wrong-head' });
    const withDave = membersHash([...state.members, { username: 'dave', keyVersion: 1 }]);
    expect(open(copy, { membersHash: withDave })).toEqual({ ok: false, reason: 'wrong-members' });
  });

  test("bob's copy handed to carol, or opened as another recipient's, does not open", () => {
    expect(open(copy, { recipient: carol.identity, recipientName: 'carol' })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(open(copy, { recipientName: 'carol' })).toEqual({ ok: false, reason: 'bad-signature' });
  });

  test('a key made by the server (or anyone but the pinned creator) is refused', () => {
    const impostor = makeUser('alice');
    expect(open(seal({ key: newEpochKey(), creator: impostor.identity }))).toEqual({ ok: false, reason: 'bad-signature' });
    expect(open(seal({ creator: dave.identity, creatorName: 'dave' }))).toEqual({ ok: false, reason: 'bad-signature' });
    expect(open(copy, { creator: { ...dave.pub, keyVersion: 1 } })).toEqual({ ok: false, reason: 'bad-signature' });
  });

  // The server rewrites one header field to what the victim expects (moving the copy): the signature still refuses it.
  const moves: [string, number, Uint8Array, Partial<typeof expected>][] = [
    ['conversation', 0, u64(10), { conversationId: 10 }],
    ['epoch', 8, u32(2), { epoch: 2 }],
    ['recipient key version', 12, u32(2), { recipient: makeUser('bob', 2).identity }],
    ['creator key version', 16, u32(2), { creator: { ...alice.pub, keyVersion: 2 } }],
    ['chain length', 20, u32(5), { chainLength: 5 }],
    ['chain head', 24, new Uint8Array(32).fill(7), { head: new Uint8Array(32).fill(7) }],
    ['member set', 56, new Uint8Array(32).fill(9), { membersHash: new Uint8Array(32).fill(9) }],
  ];
  test.each(moves)('a copy moved to another %s by rewriting its header fails the signature', (_field, at, value, over) => {
    expect(open(rewrite(copy, at, value), over)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  test('a copy the creator signed but whose sealed key does not open reads as tampered', () => {
    // Only the creator (buggy or malicious) can sign such a copy: re-sign a flipped ciphertext with the real AAD.
    const flipped = bytesOf(copy);
    flipped[GROUP_EPOCH_KEY_BYTES - 65] = flipped[GROUP_EPOCH_KEY_BYTES - 65]! ^ 1;
    const reseal = resign(flipped);
    expect(open(reseal)).toEqual({ ok: false, reason: 'tampered' });
  });

  test('sealing refuses what no caller should pass, and a low-order recipient key', () => {
    expect(() => seal({ key: new Uint8Array(31) })).toThrow(RangeError);
    expect(() => seal({ head: new Uint8Array(31) })).toThrow(RangeError);
    expect(() => seal({ membersHash: new Uint8Array(33) })).toThrow(RangeError);
    expect(() => seal({ chainLength: 0 })).toThrow(RangeError);
    expect(() => seal({ epoch: 0 })).toThrow(RangeError);
    expect(() => seal({ conversationId: 0 })).toThrow(RangeError);
    expect(() => seal({ recipient: { ...bob.pub, x25519: new Uint8Array(32) } })).toThrow();
  });
});

/** Signs `bytes` (less its old signature) as alice would for bob, so a test can reach the checks after the signature. */
function resign(bytes: Uint8Array): string {
  const body = bytes.subarray(0, bytes.length - 64);
  const aad = encodeFields(
    LABELS.groupEpochKeyAad,
    u64(g.conversationId),
    u32(g.epoch),
    'bob',
    u32(1),
    'alice',
    u32(1),
    u32(state.length),
    state.head,
    state.membersHash,
  );
  const signature = sign(encodeFields(LABELS.groupEpochKeySignature, aad, bob.pub.x25519, body), alice.identity);
  return ek3(concatBytes(body, signature));
}

describe('one byte form: truncation, extension and non-canonical encodings are malformed', () => {
  test('cut, extended, padded, re-prefixed or of an impossible length', () => {
    for (const bad of [undefined, 7, '', 'ek3.', copy.slice(0, -1), copy.slice(0, -2), `${copy}A`, `${copy}AA`, `${copy}AAAA`, `${copy}=`, `${copy}==`, `EK3.${copy.slice(4)}`, ` ${copy}`]) {
      expect(open(bad), String(bad).slice(-6)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  test('base64url with non-zero trailing bits, or characters of another alphabet, is refused', () => {
    // 232 bytes end in a 2-character group carrying 8 bits: the last character's low 4 bits must be zero.
    const last = copy.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sloppy = alphabet[alphabet.indexOf(last) | 1]!;
    expect(open(copy.slice(0, -1) + sloppy)).toEqual({ ok: false, reason: 'malformed' });
    const i = copy.indexOf('-') >= 0 ? copy.indexOf('-') : copy.indexOf('_');
    if (i >= 0) expect(open(copy.slice(0, i) + (copy[i] === '-' ? '+' : '/') + copy.slice(i + 1))).toEqual({ ok: false, reason: 'malformed' });
  });

  test('zero in a header field that starts at 1, or a non-canonical ephemeral key, is malformed (even when signed)', () => {
    for (const [at, value] of [
      [0, u64(0)],
      [8, u32(0)],
      [12, u32(0)],
      [16, u32(0)],
      [20, u32(0)],
      [0, concatBytes(Uint8Array.of(0x00, 0x20), new Uint8Array(6))],
    ] as const) {
      const bytes = bytesOf(copy);
      bytes.set(value, at);
      expect(open(resign(bytes))).toEqual({ ok: false, reason: 'malformed' });
      expect(readGroupEpochKeyHeader(resign(bytes))).toBeNull();
    }
    // The same point with the top bit set (RFC 7748 §5 masks it), and p itself (u ≥ 2^255 − 19).
    const highBit = bytesOf(copy);
    highBit[88 + 31] = highBit[88 + 31]! | 0x80;
    expect(open(resign(highBit))).toEqual({ ok: false, reason: 'malformed' });
    const p = bytesOf(copy);
    p.set(concatBytes(Uint8Array.of(0xed), new Uint8Array(30).fill(0xff), Uint8Array.of(0x7f)), 88);
    expect(open(resign(p))).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('properties (fast-check)', () => {
  test('any one-byte change to a copy fails with a reason and yields no key', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), (index, mask) => {
        const bytes = bytesOf(copy);
        const i = index % bytes.length;
        bytes[i] = bytes[i]! ^ mask;
        const out = open(ek3(bytes));
        expect(out.ok).toBe(false);
        expect(out).not.toHaveProperty('epochKey');
      }),
      { numRuns: 300 },
    );
  });

  test('any one-character change to a copy string fails', () => {
    fc.assert(
      fc.property(fc.nat(), fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ '), (index, char) => {
        const i = index % copy.length;
        const changed = copy.slice(0, i) + char + copy.slice(i + 1);
        fc.pre(changed !== copy);
        expect(open(changed).ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  test('a copy presented for any other conversation, epoch or chain state fails', () => {
    fc.assert(
      fc.property(
        fc.record({
          conversationId: fc.option(fc.integer({ min: 1, max: 2 ** 40 }), { nil: undefined }),
          epoch: fc.option(fc.integer({ min: 1, max: 2 ** 32 - 1 }), { nil: undefined }),
          chainLength: fc.option(fc.integer({ min: 1, max: 2 ** 32 - 1 }), { nil: undefined }),
          head: fc.option(fc.uint8Array({ minLength: 32, maxLength: 32 }), { nil: undefined }),
        }),
        (change) => {
          const over = Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined));
          const moved = { ...expected, ...over };
          fc.pre(JSON.stringify({ ...moved, recipient: 0, creator: 0 }) !== JSON.stringify({ ...expected, recipient: 0, creator: 0 }));
          expect(open(copy, over).ok).toBe(false);
        },
      ),
      { numRuns: 100 },
    );
  });
});

// Tests for p3. group envelopes: XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha) with a SHA-256 key commitment, signed with Ed25519 (RFC 8032);
// a lying server and a malicious member (the two-key ciphertext of Len, Grubbs and Ristenpart, USENIX Security 2021) against them.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { Body, LIMITS } from '../protocol.js';
import { encodeFields, fromBase64url, toBase64url, u32, u64 } from './bytes.js';
import { decryptMessage, isEnvelopeShaped } from './envelope.js';
import { newEpochKey } from './epoch-key.js';
import {
  GROUP_ENVELOPE_OVERHEAD_BYTES,
  groupEnvelopeHeader,
  isGroupEnvelopeShaped,
  MAX_GROUP_PLAINTEXT_BYTES,
  MIN_GROUP_ENVELOPE_LENGTH,
  openGroupEnvelope,
  sealGroupEnvelope,
  type GroupEpoch,
} from './group-envelope.js';
import { sign } from './identity.js';
import { LABELS } from './labels.js';
import { membersHash } from './members.js';
import { groupConversation, makeUser } from '../../../test/crypto/fixtures.js';
import { twoKeyCiphertext } from '../../../test/crypto/salamander.js';

const g = groupConversation();
const { alice, state } = g;
const epoch1: GroupEpoch = { epochKey: g.epochKey, chainLength: state.length, head: state.head, membersHash: state.membersHash };
const context = { conversationId: g.conversationId, sender: 'alice', clientMsgId: '01J9Z3K7V8' };
const seal = (text: string, over: Partial<Parameters<typeof sealGroupEnvelope>[0]> = {}) => {
  const out = sealGroupEnvelope({ ...context, ...epoch1, text, epoch: g.epoch, identity: alice.identity, ...over });
  if (!out.ok) throw new Error(out.reason);
  return out.body;
};
const open = (body: unknown, over: Partial<Parameters<typeof openGroupEnvelope>[0]> = {}) =>
  openGroupEnvelope({ ...context, body, epochs: (e) => (e === g.epoch ? epoch1 : undefined), keys: g.keys, ...over });
const body = seal('meet at 6 🕕');
const bytesOf = (text: string) => fromBase64url(text.slice(3)) as Uint8Array;
const p3 = (bytes: Uint8Array) => `p3.${toBase64url(bytes)}`;

describe('size and shape', () => {
  test('153 bytes of overhead: the longest group text is 11,844 UTF-8 bytes, the shortest body 207 characters', () => {
    expect(GROUP_ENVELOPE_OVERHEAD_BYTES).toBe(153);
    expect(MAX_GROUP_PLAINTEXT_BYTES).toBe(11_844);
    expect(MIN_GROUP_ENVELOPE_LENGTH).toBe(207);
    expect(seal('')).toHaveLength(MIN_GROUP_ENVELOPE_LENGTH);
    const longest = seal('é'.repeat(MAX_GROUP_PLAINTEXT_BYTES / 2));
    expect(longest.length).toBeLessThanOrEqual(LIMITS.bodyMaxLength);
    expect(Body.safeParse(longest).success).toBe(true);
    expect(open(longest)).toMatchObject({ ok: true, text: 'é'.repeat(MAX_GROUP_PLAINTEXT_BYTES / 2) });
    expect(sealGroupEnvelope({ ...context, ...epoch1, text: 'x'.repeat(MAX_GROUP_PLAINTEXT_BYTES + 1), epoch: 1, identity: alice.identity })).toEqual({ ok: false, reason: 'too-long' });
  });

  test('every envelope a client makes is group-envelope-shaped; p2 bodies, cut ones and stray characters are not', () => {
    expect(isGroupEnvelopeShaped(seal(''))).toBe(true);
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (text) => isGroupEnvelopeShaped(seal(text))), { numRuns: 100 });
    const empty = seal('');
    for (const bad of [empty.slice(0, -1), `${empty.slice(0, -1)}=`, `${empty}A`, `p2.${empty.slice(3)}`, 'p3.', 'hello', 42, undefined]) {
      expect(isGroupEnvelopeShaped(bad), String(bad).slice(0, 8)).toBe(false);
    }
    expect(isGroupEnvelopeShaped(`${empty}AA`)).toBe(true);
    // The direct conversations' check does not take a p3 (and the group check no p2): the server keeps them apart.
    expect(isEnvelopeShaped(body)).toBe(false);
  });

  test('the server reads the conversation, epoch and sender key version, and only that', () => {
    expect(groupEnvelopeHeader(body)).toEqual({ conversationId: 9, epoch: 1, senderKeyVersion: 1 });
    expect(groupEnvelopeHeader(seal('x', { conversationId: 2 ** 40 + 5 }))).toMatchObject({ conversationId: 2 ** 40 + 5 });
    for (const bad of ['p3.AAAA', `p2.${body.slice(3)}`, 'p3.AAAAAAAAAAA*', 7]) expect(groupEnvelopeHeader(bad)).toBeUndefined();
  });
});

describe('round trip and refusals', () => {
  test('a member reads the text, the epoch and the sender key version', () => {
    expect(body.startsWith('p3.')).toBe(true);
    expect(open(body)).toEqual({ ok: true, text: 'meet at 6 🕕', epoch: 1, senderKeyVersion: 1 });
    expect(seal('meet at 6 🕕')).not.toBe(body);
  });

  test('moved to another conversation, sender or clientMsgId: a reason, no text', () => {
    expect(open(body, { conversationId: 10 })).toEqual({ ok: false, reason: 'wrong-conversation' });
    expect(open(body, { sender: 'bob' })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(open(body, { clientMsgId: 'another' })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(open(body, { sender: 'mallory' })).toEqual({ ok: false, reason: 'unknown-sender-key' });
    expect(open(body, { epochs: () => undefined })).toEqual({ ok: false, reason: 'unknown-epoch' });
  });

  test('tied to the membership it was sent under: another chain length, head or member set does not verify', () => {
    const other = (over: Partial<GroupEpoch>) => open(body, { epochs: () => ({ ...epoch1, ...over }) });
    expect(other({ chainLength: 2 })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(other({ head: new Uint8Array(32) })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(other({ membersHash: membersHash([...state.members, { username: 'dave', keyVersion: 1 }]) })).toEqual({ ok: false, reason: 'bad-signature' });
  });

  // A lying server rewrites one header field (or the commitment) to something the reader would accept.
  const rewrites: [string, number, Uint8Array][] = [
    ['the epoch (to one the reader holds, with the same key)', 8, u32(2)],
    ['the sender key version', 12, u32(2)],
    ['the key commitment', 16, new Uint8Array(32).fill(1)],
    ['the nonce', 48, new Uint8Array(24)],
  ];
  test.each(rewrites)('rewriting %s fails the signature', (_what, at, value) => {
    const bytes = bytesOf(body);
    bytes.set(value, at);
    const keys = (name: string, version: number) => g.keys(name, 1) && version >= 1 ? { ...g.keys(name, 1)!, keyVersion: version } : undefined;
    expect(open(p3(bytes), { epochs: () => epoch1, keys })).toEqual({ ok: false, reason: 'bad-signature' });
  });

  test('sealing refuses what no caller should pass', () => {
    expect(() => seal('x', { epochKey: new Uint8Array(16) })).toThrow(RangeError);
    expect(() => seal('x', { head: new Uint8Array(31) })).toThrow(RangeError);
    expect(() => seal('x', { membersHash: new Uint8Array(33) })).toThrow(RangeError);
    expect(() => seal('x', { chainLength: 0 })).toThrow(RangeError);
    expect(() => seal('x', { epoch: -1 })).toThrow(RangeError);
  });

  test('a server swapping the sender key in the directory cannot make forged text verify', () => {
    expect(open(seal('pay mallory', { identity: makeUser('alice').identity }))).toEqual({ ok: false, reason: 'bad-signature' });
  });

  test('plain text, direct envelopes, newer versions, cut and extended bodies are named as such', () => {
    expect(open('see you')).toEqual({ ok: false, reason: 'not-encrypted' });
    expect(open(42)).toEqual({ ok: false, reason: 'not-encrypted' });
    expect(open(` ${body}`)).toEqual({ ok: false, reason: 'not-encrypted' });
    expect(open(`p4.${body.slice(3)}`)).toEqual({ ok: false, reason: 'unsupported-version' });
    expect(open(`p2.${body.slice(3)}`)).toEqual({ ok: false, reason: 'malformed' });
    const oneTooMany = body + 'A'.repeat((((1 - (body.length - 3)) % 4) + 4) % 4 || 4);
    for (const bad of ['p3.', 'p3.AAAA', body.slice(0, 100), `${body.slice(0, -1)}*`, oneTooMany, `${body}=`]) {
      expect(open(bad), bad.slice(-8)).toEqual({ ok: false, reason: 'malformed' });
    }
    // Cut at a whole byte, or extended by whole bytes: still envelope-long, but no longer what the sender signed.
    expect(open(p3(bytesOf(body).subarray(0, bytesOf(body).length - 1)))).toEqual({ ok: false, reason: 'bad-signature' });
    expect(open(p3(concatBytes(bytesOf(body), new Uint8Array(3))))).toEqual({ ok: false, reason: 'bad-signature' });
  });

  test('a correctly signed envelope whose content kind is unknown, or not UTF-8, is refused after decryption', () => {
    expect(open(craftP3(Uint8Array.of(0x02, 0x68, 0x69)))).toEqual({ ok: false, reason: 'unsupported-content' });
    expect(open(craftP3(Uint8Array.of(0x01, 0xff, 0xfe)))).toEqual({ ok: false, reason: 'malformed' });
  });
});

/** A p3 envelope by alice, built from the formulas of docs/e2e.md rather than sealGroupEnvelope (the layout checked twice). */
function craftP3(plaintext: Uint8Array, opts: { commitTo?: Uint8Array; ciphertext?: (aad: Uint8Array, nonce: Uint8Array) => Uint8Array } = {}): string {
  const commitment = sha256(encodeFields('parley/v3/message/key-commitment', opts.commitTo ?? g.epochKey, u64(9), u32(1)));
  const aad = encodeFields('parley/v3/message/aad', u64(9), u32(1), 'alice', u32(1), context.clientMsgId, u32(state.length), state.head, state.membersHash, commitment);
  const nonce = randomBytes(24);
  const ciphertext = opts.ciphertext?.(aad, nonce) ?? xchacha20poly1305(g.epochKey, nonce, aad).encrypt(plaintext);
  const signature = sign(encodeFields('parley/v3/message/signature', aad, nonce, ciphertext), alice.identity);
  return p3(concatBytes(u64(9), u32(1), u32(1), commitment, nonce, signature, ciphertext));
}

describe('key commitment: one ciphertext, two epoch keys', () => {
  const k1 = g.epochKey;
  const k2 = newEpochKey();

  test('the attack is real: one XChaCha20-Poly1305 ciphertext opens under two keys, to two plaintexts', () => {
    const aad = utf8ToBytes('any associated data');
    const nonce = randomBytes(24);
    const both = twoKeyCiphertext(k1, k2, nonce, aad, utf8ToBytes('\u0001pay mallory 999'));
    const under1 = xchacha20poly1305(k1, nonce, aad).decrypt(both);
    const under2 = xchacha20poly1305(k2, nonce, aad).decrypt(both);
    expect(new TextDecoder().decode(under1.subarray(0, 16))).toBe('\u0001pay mallory 999');
    expect(under1).not.toEqual(under2);
  });

  test('p2 (no commitment): a malicious member signs one envelope that gets past the AEAD under both keys', () => {
    // alice gave bob k1 and carol k2 for the same epoch, then signs one envelope crafted for both.
    const members = state.membersHash;
    const aad = encodeFields(LABELS.messageAadV2, u64(9), u32(1), 'alice', u32(1), 'm-1', members);
    const nonce = randomBytes(24);
    const ciphertext = twoKeyCiphertext(k1, k2, nonce, aad, utf8ToBytes('\u0001pay mallory 999'));
    const signature = sign(encodeFields(LABELS.messageSignatureV2, aad, nonce, ciphertext), alice.identity);
    const p2 = `p2.${toBase64url(concatBytes(u64(9), u32(1), u32(1), nonce, signature, ciphertext))}`;
    const read = (key: Uint8Array) => decryptMessage({ conversationId: 9, sender: 'alice', clientMsgId: 'm-1', body: p2, epochKeys: () => key, membersHash: () => members, keys: g.keys });
    for (const key of [k1, k2]) {
      const out = read(key);
      // Past the signature and Poly1305 under both keys: only the text checks after decryption can still stop it.
      expect(out.ok || !['bad-signature', 'tampered'].includes(out.reason)).toBe(true);
    }
  });

  test('p3: the same crafted ciphertext opened with the other key fails at the commitment, before the AEAD', () => {
    const attack = craftP3(new Uint8Array(0), {
      commitTo: k1,
      ciphertext: (aad, nonce) => {
        const both = twoKeyCiphertext(k1, k2, nonce, aad, utf8ToBytes('\u0001pay mallory 999'));
        // The AEAD alone would accept it under k2: only the commitment stands in the way.
        expect(() => xchacha20poly1305(k2, nonce, aad).decrypt(both)).not.toThrow();
        return both;
      },
    });
    expect(open(attack, { epochs: () => ({ ...epoch1, epochKey: k2 }) })).toEqual({ ok: false, reason: 'key-mismatch' });
    const underK1 = open(attack);
    expect(underK1.ok || underK1.reason !== 'key-mismatch').toBe(true);
  });

  test('an honest sender under another key than ours: key-mismatch, never text', () => {
    expect(open(seal('hi', { epochKey: k2 }))).toEqual({ ok: false, reason: 'key-mismatch' });
    expect(open(body, { epochs: () => ({ ...epoch1, epochKey: k2 }) })).toEqual({ ok: false, reason: 'key-mismatch' });
  });

  test('committed to our key but encrypted under another: tampered (the AEAD still runs after the commitment)', () => {
    expect(open(craftP3(new Uint8Array(0), { ciphertext: (aad, nonce) => xchacha20poly1305(k2, nonce, aad).encrypt(Uint8Array.of(1, 104)) }))).toEqual({ ok: false, reason: 'tampered' });
  });
});

describe('properties (fast-check)', () => {
  test('any one-byte change to an envelope fails with a reason and yields no text', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), (index, mask) => {
        const bytes = bytesOf(body);
        const i = index % bytes.length;
        bytes[i] = bytes[i]! ^ mask;
        const out = open(p3(bytes));
        expect(out.ok).toBe(false);
        expect(out).not.toHaveProperty('text');
      }),
      { numRuns: 300 },
    );
  });

  test('any one-character change to an envelope string fails', () => {
    fc.assert(
      fc.property(fc.nat(), fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ '), (index, char) => {
        const i = index % body.length;
        const changed = body.slice(0, i) + char + body.slice(i + 1);
        fc.pre(changed !== body);
        expect(open(changed).ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  test('an envelope presented in another conversation, by another sender, with another clientMsgId or chain state fails', () => {
    fc.assert(
      fc.property(
        fc.record({
          conversationId: fc.option(fc.integer({ min: 1, max: 2 ** 40 }), { nil: undefined }),
          sender: fc.option(fc.constantFrom('bob', 'carol', 'dave', 'Alice'), { nil: undefined }),
          clientMsgId: fc.option(fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), { nil: undefined }),
          chainLength: fc.option(fc.integer({ min: 2, max: 2 ** 32 - 1 }), { nil: undefined }),
        }),
        ({ chainLength, ...change }) => {
          const moved = Object.fromEntries(Object.entries(change).filter(([k, v]) => v !== undefined && v !== context[k as keyof typeof context]));
          fc.pre(Object.keys(moved).length > 0 || chainLength !== undefined);
          const epochs = () => ({ ...epoch1, chainLength: chainLength ?? epoch1.chainLength });
          expect(open(body, { ...moved, epochs }).ok).toBe(false);
        },
      ),
      { numRuns: 150 },
    );
  });

  test('random Unicode round-trips', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.oneof(fc.constant('👩‍👩‍👧'), fc.constantFrom('é', '日', '\u0000', '\n'), fc.string({ unit: 'grapheme' })), maxLength: 200 }), (text) => {
        expect(open(seal(text))).toMatchObject({ ok: true, text });
      }),
      { numRuns: 100 },
    );
  });
});

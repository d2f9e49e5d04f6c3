// Tests for p2. (and the first format's p1.) message envelopes: XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha) under the epoch key, signed with Ed25519 (RFC 8032).
import { describe, expect, test } from 'vitest';
import { Body, LIMITS } from '../protocol.js';
import { base64urlLength } from './bytes.js';
import fc from 'fast-check';
import {
  BODY_MAX_LENGTH,
  decryptMessage,
  encryptMessage,
  encryptMessageV1,
  envelopeConversationId,
  ENVELOPE_OVERHEAD_BYTES,
  isEnvelopeShaped,
  MAX_PLAINTEXT_BYTES,
} from './envelope.js';
import { membersHash } from './members.js';
import { newEpochKey } from './epoch-key.js';
import { directConversation, makeUser } from '../../../test/crypto/fixtures.js';

const c = directConversation();
const { alice } = c;
const context = { conversationId: c.conversationId, sender: 'alice', clientMsgId: '01J9Z3K7V8' };
const encrypt = (text: string, over: Partial<Parameters<typeof encryptMessage>[0]> = {}) => {
  const out = encryptMessage({ ...context, text, epoch: c.epoch, epochKey: c.epochKey, identity: alice.identity, membersHash: c.membersHash, ...over });
  if (!out.ok) throw new Error(out.reason);
  return out.body;
};
const decrypt = (body: unknown, over: Partial<Parameters<typeof decryptMessage>[0]> = {}) =>
  decryptMessage({ ...context, body, epochKeys: c.epochKeys, membersHash: c.membersHashes, keys: c.keys, ...over });

describe('size', () => {
  test('the longest text is 11,876 UTF-8 bytes, and its envelope is a valid protocol body', () => {
    expect(BODY_MAX_LENGTH).toBe(LIMITS.bodyMaxLength);
    expect(ENVELOPE_OVERHEAD_BYTES).toBe(121);
    expect(MAX_PLAINTEXT_BYTES).toBe(11_876);
    const longest = encrypt('é'.repeat(MAX_PLAINTEXT_BYTES / 2));
    expect(longest.length).toBeLessThanOrEqual(LIMITS.bodyMaxLength);
    expect(Body.safeParse(longest).success).toBe(true);
    expect(3 + base64urlLength(MAX_PLAINTEXT_BYTES + 1 + ENVELOPE_OVERHEAD_BYTES)).toBeGreaterThan(LIMITS.bodyMaxLength);
    expect(encryptMessage({ ...context, text: 'x'.repeat(MAX_PLAINTEXT_BYTES + 1), epoch: 1, epochKey: c.epochKey, identity: alice.identity, membersHash: c.membersHash })).toEqual({
      ok: false,
      reason: 'too-long',
    });
  });

  test('an empty text still makes a non-empty body (the protocol refuses empty bodies)', () => {
    expect(Body.safeParse(encrypt('')).success).toBe(true);
    expect(decrypt(encrypt(''))).toMatchObject({ ok: true, text: '' });
  });
});

describe('shape (what the server checks without opening)', () => {
  test('every envelope a client makes is envelope-shaped, from the empty text to the longest', () => {
    expect(isEnvelopeShaped(encrypt(''))).toBe(true);
    expect(isEnvelopeShaped(encrypt('é'.repeat(MAX_PLAINTEXT_BYTES / 2)))).toBe(true);
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (text) => isEnvelopeShaped(encrypt(text))), { numRuns: 200 });
  });

  test('a body one character too short, with a stray character, or of a length base64url cannot have, is not', () => {
    const body = encrypt('');
    expect(body.length).toBe(3 + 162);
    for (const bad of [body.slice(0, -1), `${body.slice(0, -1)}=`, `${body}AAA`, `x${body.slice(1)}`, 'p1.', 'hello']) {
      expect(isEnvelopeShaped(bad), bad.slice(0, 12)).toBe(false);
    }
    expect(isEnvelopeShaped(`${body}AA`)).toBe(true);
  });
});

describe('round trip and rejections', () => {
  const body = encrypt('see you at 6 🕕');

  test('the recipient reads the text, the epoch and the sender key version', () => {
    expect(body.startsWith('p2.')).toBe(true);
    expect(decrypt(body)).toEqual({ ok: true, text: 'see you at 6 🕕', epoch: 1, senderKeyVersion: 1, version: 2 });
    expect(encrypt('see you at 6 🕕')).not.toBe(body);
  });

  test('replayed into another conversation, under another sender or clientMsgId: a reason, no text', () => {
    expect(decrypt(body, { conversationId: 4 })).toEqual({ ok: false, reason: 'wrong-conversation' });
    expect(decrypt(body, { sender: 'bob' })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(decrypt(body, { clientMsgId: 'another' })).toEqual({ ok: false, reason: 'bad-signature' });
  });

  test('a sender whose key is unknown, or an epoch we hold no key for', () => {
    expect(decrypt(body, { sender: 'mallory' })).toEqual({ ok: false, reason: 'unknown-sender-key' });
    expect(decrypt(body, { keys: () => undefined })).toEqual({ ok: false, reason: 'unknown-sender-key' });
    expect(decrypt(body, { epochKeys: () => undefined })).toEqual({ ok: false, reason: 'unknown-epoch' });
  });

  test('a server that swaps alice\'s signing key in the directory cannot make forged text verify', () => {
    const impostor = makeUser('alice');
    const forged = encrypt('send the money to mallory', { identity: impostor.identity });
    expect(decrypt(forged)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  test('signed by the sender but made under another epoch key: tampered', () => {
    expect(decrypt(encrypt('hi', { epochKey: newEpochKey() }))).toEqual({ ok: false, reason: 'tampered' });
  });

  test('plain text, other versions and broken envelopes are named as such', () => {
    expect(decrypt('see you at 6')).toEqual({ ok: false, reason: 'not-encrypted' });
    expect(decrypt(42)).toEqual({ ok: false, reason: 'not-encrypted' });
    expect(decrypt(`p3.${body.slice(3)}`)).toEqual({ ok: false, reason: 'unsupported-version' });
    for (const bad of ['p2.', 'p2.AAAA', 'p1.', body.slice(0, 100), `${body.slice(0, -1)}*`, `${body}A`]) {
      expect(decrypt(bad), bad).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  test('the member set is bound: another set, a missing one, or a p2 relabelled p1 does not verify', () => {
    const withCarol = membersHash([...c.members, { username: 'carol', keyVersion: 1 }]);
    expect(decrypt(body, { membersHash: () => withCarol })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(decrypt(body, { membersHash: () => undefined })).toEqual({ ok: false, reason: 'unknown-epoch' });
    expect(decrypt(`p1.${body.slice(3)}`)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  test('a p1 envelope of older history still opens, needing no member set', () => {
    const old = encryptMessageV1({ ...context, text: 'from before', epoch: c.epoch, epochKey: c.epochKey, identity: alice.identity });
    if (!old.ok) throw new Error(old.reason);
    expect(old.body.startsWith('p1.')).toBe(true);
    expect(decrypt(old.body, { membersHash: () => undefined })).toEqual({ ok: true, text: 'from before', epoch: 1, senderKeyVersion: 1, version: 1 });
    expect(decrypt(`p2.${old.body.slice(3)}`)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  test('the server can read the conversation id an envelope names, and only that', () => {
    expect(envelopeConversationId(body)).toBe(c.conversationId);
    expect(envelopeConversationId(encrypt('x', { conversationId: 2 ** 40 + 5 }))).toBe(2 ** 40 + 5);
    expect(envelopeConversationId('p2.AAAA')).toBeUndefined();
    expect(envelopeConversationId('p2.AAAAAAAAAAA*')).toBeUndefined();
  });

  test('a directory that throws still yields a reason, not an exception', () => {
    expect(
      decrypt(body, {
        keys: () => {
          throw new Error('storage failed');
        },
      }),
    ).toEqual({ ok: false, reason: 'malformed' });
  });
});

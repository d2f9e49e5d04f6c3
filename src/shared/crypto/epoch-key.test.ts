// Tests for ek1. sealed epoch keys: RFC 7748 X25519 + RFC 5869 HKDF + XChaCha20-Poly1305, signed by the creator (RFC 8032).
import { describe, expect, test } from 'vitest';
import { concatBytes } from '@noble/hashes/utils.js';
import { encodeFields, fromBase64url, toBase64url, u32, u64 } from './bytes.js';
import { newEpochKey, openEpochKey, sealEpochKey } from './epoch-key.js';
import { sign } from './identity.js';
import { LABELS } from './labels.js';
import { directConversation, makeUser } from '../../../test/crypto/fixtures.js';

describe('sealed epoch keys', () => {
  const c = directConversation();
  const { alice, bob, carol } = c;
  const seal = (over: Partial<Parameters<typeof sealEpochKey>[0]> = {}) =>
    sealEpochKey({ epochKey: c.epochKey, conversationId: c.conversationId, epoch: c.epoch, recipient: bob.pub, creator: alice.identity, creatorName: 'alice', ...over });
  const sealed = seal();
  const open = (over: Partial<Parameters<typeof openEpochKey>[0]> = {}) =>
    openEpochKey({
      sealed,
      conversationId: c.conversationId,
      epoch: c.epoch,
      me: bob.identity,
      myName: 'bob',
      creatorName: 'alice',
      members: ['alice', 'bob'],
      keys: c.keys,
      ...over,
    });

  test('the recipient opens the epoch key its creator sealed, and the creator can seal one to herself', () => {
    expect(sealed.startsWith('ek1.')).toBe(true);
    expect(open()).toEqual({ ok: true, epochKey: c.epochKey });
    const own = seal({ recipient: alice.pub });
    expect(open({ sealed: own, me: alice.identity, myName: 'alice' })).toEqual({ ok: true, epochKey: c.epochKey });
  });

  test('new epoch keys are random 32-byte keys', () => {
    expect(newEpochKey()).toHaveLength(32);
    expect(newEpochKey()).not.toEqual(newEpochKey());
  });

  test('moved to another conversation or epoch, or opened by another key version: a reason, no key', () => {
    expect(open({ conversationId: 4 })).toEqual({ ok: false, reason: 'wrong-conversation' });
    expect(open({ epoch: 2 })).toEqual({ ok: false, reason: 'wrong-epoch' });
    const bobV2 = makeUser('bob', 2);
    expect(open({ me: bobV2.identity })).toEqual({ ok: false, reason: 'wrong-recipient-key' });
  });

  test("bob's sealed key handed to carol does not open (bound to the recipient's name and key)", () => {
    expect(open({ me: carol.identity, myName: 'carol', members: ['alice', 'carol'] })).toEqual({ ok: false, reason: 'bad-signature' });
  });

  test('a key made by someone outside the conversation, or by an unknown key, is refused', () => {
    const byCarol = seal({ creator: carol.identity, creatorName: 'carol' });
    expect(open({ sealed: byCarol, creatorName: 'carol' })).toEqual({ ok: false, reason: 'creator-not-member' });
    expect(open({ keys: () => undefined })).toEqual({ ok: false, reason: 'unknown-creator-key' });
  });

  test('a server inventing an epoch key and claiming alice made it is caught by the signature', () => {
    const server = makeUser('alice');
    const forged = seal({ epochKey: newEpochKey(), creator: server.identity });
    expect(open({ sealed: forged })).toEqual({ ok: false, reason: 'bad-signature' });
  });

  test('a correctly signed seal whose ciphertext does not open reads as tampered', () => {
    // Only a (buggy or malicious) creator can sign such a thing; the recipient still gets a reason, not a key.
    const bytes = fromBase64url(sealed.slice(4)) as Uint8Array;
    const body = bytes.slice(0, bytes.length - 64);
    body[body.length - 1] = (body[body.length - 1] as number) ^ 1;
    const aad = encodeFields(LABELS.epochKeyAad, u64(3), u32(1), 'bob', u32(1), 'alice', u32(1));
    const signature = sign(encodeFields(LABELS.epochKeySignature, aad, bob.pub.x25519, body), alice.identity);
    expect(open({ sealed: `ek1.${toBase64url(concatBytes(body, signature))}` })).toEqual({ ok: false, reason: 'tampered' });
  });

  test('malformed input is reported, never thrown', () => {
    for (const bad of [undefined, '', 'ek1.', sealed.slice(0, -4), `${sealed}AAAA`, 'ek2.' + sealed.slice(4)]) {
      expect(open({ sealed: bad })).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  test('sealing to a low-order X25519 key throws (RFC 7748 §6.1): the caller never publishes it', () => {
    expect(() => seal({ recipient: { ...bob.pub, x25519: new Uint8Array(32) } })).toThrow();
  });
});

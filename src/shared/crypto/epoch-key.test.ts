// Tests for ek2. (and the first format's ek1.) sealed epoch keys: RFC 7748 X25519 + RFC 5869 HKDF + XChaCha20-Poly1305, signed by the creator (RFC 8032).
import { describe, expect, test } from 'vitest';
import { concatBytes } from '@noble/hashes/utils.js';
import { encodeFields, fromBase64url, toBase64url, u32, u64 } from './bytes.js';
import { newEpochKey, openEpochKey, sealEpochKey, sealEpochKeyV1, sealedEpochKeyHeader } from './epoch-key.js';
import { sign } from './identity.js';
import { LABELS } from './labels.js';
import { directConversation, makeUser } from '../../../test/crypto/fixtures.js';

describe('sealed epoch keys', () => {
  const c = directConversation();
  const { alice, bob, carol } = c;
  const seal = (over: Partial<Parameters<typeof sealEpochKey>[0]> = {}) =>
    sealEpochKey({ epochKey: c.epochKey, conversationId: c.conversationId, epoch: c.epoch, recipient: bob.pub, creator: alice.identity, creatorName: 'alice', members: c.members, ...over });
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
    expect(sealed.startsWith('ek2.')).toBe(true);
    expect(open()).toEqual({ ok: true, epochKey: c.epochKey, version: 2, members: c.members, membersHash: c.membersHash });
    const own = seal({ recipient: alice.pub });
    expect(open({ sealed: own, me: alice.identity, myName: 'alice' })).toMatchObject({ ok: true, epochKey: c.epochKey, version: 2 });
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

  test("bob's sealed key handed to carol does not open (bound to the recipient's name and key, and to the member set)", () => {
    expect(open({ me: carol.identity, myName: 'carol', members: ['alice', 'carol'] })).toEqual({ ok: false, reason: 'wrong-members' });
    const v1 = sealEpochKeyV1({ epochKey: c.epochKey, conversationId: 3, epoch: 1, recipient: bob.pub, creator: alice.identity, creatorName: 'alice' });
    expect(open({ sealed: v1, me: carol.identity, myName: 'carol', members: ['alice', 'carol'] })).toEqual({ ok: false, reason: 'bad-signature' });
  });

  test('a key made by someone outside the conversation, or by an unknown key, is refused', () => {
    const byCarol = sealEpochKeyV1({ epochKey: c.epochKey, conversationId: 3, epoch: 1, recipient: bob.pub, creator: carol.identity, creatorName: 'carol' });
    expect(open({ sealed: byCarol, creatorName: 'carol' })).toEqual({ ok: false, reason: 'creator-not-member' });
    expect(open({ keys: () => undefined })).toEqual({ ok: false, reason: 'unknown-creator-key' });
  });

  test('the sealed member set must be the conversation\'s pinned members, with the recipient and creator at their key versions', () => {
    // carol (say, a server-made account) makes a key for a member set that includes herself: alice and bob pinned only each other.
    const withCarol = [...c.members, { username: 'carol', keyVersion: 1 }];
    const byCarol = seal({ creator: carol.identity, creatorName: 'carol', members: withCarol });
    expect(open({ sealed: byCarol, creatorName: 'carol' })).toEqual({ ok: false, reason: 'wrong-members' });
    expect(open({ sealed: seal({ members: withCarol }) })).toEqual({ ok: false, reason: 'wrong-members' });
    // Naming bob at another key version than the copy was sealed to.
    const bob2 = makeUser('bob', 2);
    const stale = seal({ recipient: bob2.pub, members: [c.members[0]!, { username: 'bob', keyVersion: 2 }] });
    expect(open({ sealed: stale })).toEqual({ ok: false, reason: 'wrong-recipient-key' });
    expect(() => seal({ members: [c.members[0]!] })).toThrow(RangeError);
  });

  test('the member list in the copy cannot be edited: the signature covers it', () => {
    const bytes = fromBase64url(sealed.slice(4)) as Uint8Array;
    // Header 20 bytes, count 2, then "alice" (1 + 5) and its key version at bytes 28..31.
    bytes[31] = 7;
    expect(open({ sealed: `ek2.${toBase64url(bytes)}` })).toEqual({ ok: false, reason: 'creator-not-member' });
    const keys = (name: string, version: number) => (name === 'alice' ? { ...alice.pub, keyVersion: version } : c.keys(name, version));
    const renamed = fromBase64url(sealed.slice(4)) as Uint8Array;
    renamed[31] = 1;
    renamed[38] = 2; // bob's key version
    expect(open({ sealed: `ek2.${toBase64url(renamed)}`, keys })).toEqual({ ok: false, reason: 'wrong-recipient-key' });
  });

  test('the server reads only the header: conversation, epoch, recipient key version and members', () => {
    expect(sealedEpochKeyHeader(sealed)).toEqual({ conversationId: 3, epoch: 1, recipientKeyVersion: 1, members: c.members });
    const v1 = sealEpochKeyV1({ epochKey: c.epochKey, conversationId: 3, epoch: 1, recipient: bob.pub, creator: alice.identity, creatorName: 'alice' });
    expect(sealedEpochKeyHeader(v1)).toEqual({ conversationId: 3, epoch: 1, recipientKeyVersion: 1 });
    expect(sealedEpochKeyHeader(sealed.slice(0, -4))).toBeUndefined();
    expect(sealedEpochKeyHeader(`ek1.${sealed.slice(4)}`)).toBeUndefined();
  });

  test('an ek1 copy of older history still opens, without a member set', () => {
    const v1 = sealEpochKeyV1({ epochKey: c.epochKey, conversationId: 3, epoch: 1, recipient: bob.pub, creator: alice.identity, creatorName: 'alice' });
    expect(v1.startsWith('ek1.')).toBe(true);
    expect(open({ sealed: v1 })).toEqual({ ok: true, epochKey: c.epochKey, version: 1 });
  });

  test('a server inventing an epoch key and claiming alice made it is caught by the signature', () => {
    const server = makeUser('alice');
    const forged = seal({ epochKey: newEpochKey(), creator: server.identity });
    expect(open({ sealed: forged })).toEqual({ ok: false, reason: 'bad-signature' });
  });

  test('a correctly signed seal whose ciphertext does not open reads as tampered', () => {
    // Only a (buggy or malicious) creator can sign such a thing; the recipient still gets a reason, not a key.
    const v1 = sealEpochKeyV1({ epochKey: c.epochKey, conversationId: 3, epoch: 1, recipient: bob.pub, creator: alice.identity, creatorName: 'alice' });
    const bytes = fromBase64url(v1.slice(4)) as Uint8Array;
    const body = bytes.slice(0, bytes.length - 64);
    body[body.length - 1] = (body[body.length - 1] as number) ^ 1;
    const aad = encodeFields(LABELS.epochKeyAad, u64(3), u32(1), 'bob', u32(1), 'alice', u32(1));
    const signature = sign(encodeFields(LABELS.epochKeySignature, aad, bob.pub.x25519, body), alice.identity);
    expect(open({ sealed: `ek1.${toBase64url(concatBytes(body, signature))}` })).toEqual({ ok: false, reason: 'tampered' });
  });

  test('malformed input is reported, never thrown', () => {
    for (const bad of [undefined, '', 'ek1.', 'ek2.', sealed.slice(0, -4), `${sealed}AAAA`, 'ek1.' + sealed.slice(4)]) {
      expect(open({ sealed: bad })).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  test('sealing to a low-order X25519 key throws (RFC 7748 §6.1): the caller never publishes it', () => {
    expect(() => seal({ recipient: { ...bob.pub, x25519: new Uint8Array(32) } })).toThrow();
  });
});

// Re-derives the frozen group and search-key vectors (mc1., ek3., p3., sk1.) with OpenSSL through node:crypto, from the byte
// layouts written in docs/e2e.md and docs/groups.md, so those vectors pin the documented formats, not just noble's output.
import crypto from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { loadVectorSet } from './load.js';
import { b64, ed25519Private, ed25519Public, fields, hex, hkdf, rawPublic, u32, u64, x25519Private, x25519Public, xchachaOpen } from './openssl.js';

const v = loadVectorSet();
const sha256 = (data: Buffer) => crypto.createHash('sha256').update(data).digest();
const edPublicOf = (seed: string) => ed25519Public(rawPublic(ed25519Private(hex(seed))));

describe('independent re-derivation of the group vectors', () => {
  test('mc1. chains: OpenSSL Ed25519 over the documented field list, SHA-256 links to the head', () => {
    expect(v.membership.length).toBeGreaterThan(0);
    for (const m of v.membership) {
      let prev = Buffer.alloc(32);
      for (const [index, change] of m.changes.entries()) {
        const step = m.steps[index]!;
        const actor = m.users.find((u) => u.username === step.actor)!;
        const bytes = b64(change, 'mc1.');
        const body = bytes.subarray(0, bytes.length - 64);
        const signature = bytes.subarray(bytes.length - 64);
        const targets = [...step.targets].sort((a, b) => (a.username < b.username ? -1 : 1)).flatMap((t) => [t.username, u32(t.keyVersion), t.role]);
        const expected = fields(Buffer.from(m.groupId, 'base64url'), u32(index), prev, step.actor, u32(actor.keyVersion), step.action, u32(step.targets.length), ...targets, step.name, step.history, u64(step.ts));
        expect(body.equals(expected), `${m.name} change ${index}`).toBe(true);
        expect(crypto.verify(null, fields('parley/v1/membership/signature', body), edPublicOf(actor.ed25519Seed), signature)).toBe(true);
        prev = sha256(fields('parley/v1/membership/hash', body, signature));
      }
      expect(prev.toString('hex')).toBe(m.head);
    }
  });

  test('ek3. copies: OpenSSL X25519, HKDF to key and nonce, XChaCha20-Poly1305 and the creator\'s Ed25519 signature', () => {
    expect(v.groupEpochKey.length).toBeGreaterThan(0);
    for (const e of v.groupEpochKey) {
      const b = b64(e.sealed, 'ek3.');
      expect(b.length).toBe(232);
      expect([Number(b.readBigUInt64BE(0)), b.readUInt32BE(8), b.readUInt32BE(12), b.readUInt32BE(16), b.readUInt32BE(20)]).toEqual([
        e.conversationId,
        e.epoch,
        e.recipient.keyVersion,
        e.creator.keyVersion,
        e.chainLength,
      ]);
      expect([b.subarray(24, 56).toString('hex'), b.subarray(56, 88).toString('hex')]).toEqual([e.head, e.membersHash]);
      const ephemeral = b.subarray(88, 120);
      expect(ephemeral).toEqual(rawPublic(x25519Private(hex(e.ephemeralSecret))));
      const recipientPub = rawPublic(x25519Private(hex(e.recipient.x25519Secret)));
      const shared = crypto.diffieHellman({ privateKey: x25519Private(hex(e.recipient.x25519Secret)), publicKey: x25519Public(ephemeral) });
      const okm = Buffer.from(crypto.hkdfSync('sha256', shared, Buffer.alloc(0), fields('parley/v3/epoch-key/wrap', ephemeral, recipientPub), 56));
      const aad = fields(
        'parley/v3/epoch-key/aad',
        u64(e.conversationId),
        u32(e.epoch),
        e.recipient.username,
        u32(e.recipient.keyVersion),
        e.creator.username,
        u32(e.creator.keyVersion),
        u32(e.chainLength),
        hex(e.head),
        hex(e.membersHash),
      );
      expect(xchachaOpen(okm.subarray(0, 32), okm.subarray(32), aad, b.subarray(120, 168)).toString('hex')).toBe(e.epochKey);
      const transcript = fields('parley/v3/epoch-key/signature', aad, recipientPub, b.subarray(0, 168));
      expect(crypto.verify(null, transcript, edPublicOf(e.creator.ed25519Seed), b.subarray(168)), e.name).toBe(true);
    }
  });

  test('p3. envelopes: the SHA-256 key commitment, OpenSSL Ed25519 verification and XChaCha20-Poly1305 decryption', () => {
    expect(v.groupEnvelope.length).toBeGreaterThan(0);
    for (const m of v.groupEnvelope) {
      const b = b64(m.body, 'p3.');
      expect([Number(b.readBigUInt64BE(0)), b.readUInt32BE(8), b.readUInt32BE(12)]).toEqual([m.conversationId, m.epoch, m.sender.keyVersion]);
      const commitment = b.subarray(16, 48);
      expect(commitment).toEqual(sha256(fields('parley/v3/message/key-commitment', hex(m.epochKey), u64(m.conversationId), u32(m.epoch))));
      const nonce = b.subarray(48, 72);
      expect(nonce.toString('hex')).toBe(m.nonce);
      const signature = b.subarray(72, 136);
      const ciphertext = b.subarray(136);
      const aad = fields(
        'parley/v3/message/aad',
        u64(m.conversationId),
        u32(m.epoch),
        m.sender.username,
        u32(m.sender.keyVersion),
        m.clientMsgId,
        u32(m.chainLength),
        hex(m.head),
        hex(m.membersHash),
        commitment,
      );
      expect(crypto.verify(null, fields('parley/v3/message/signature', aad, nonce, ciphertext), edPublicOf(m.sender.ed25519Seed), signature), m.name).toBe(true);
      const plaintext = xchachaOpen(hex(m.epochKey), nonce, aad, ciphertext);
      expect(plaintext[0]).toBe(0x01);
      expect(plaintext.subarray(1).toString('utf8')).toBe(m.text);
    }
  });

  test('sk1. search index keys: OpenSSL HKDF from the wrap key, XChaCha20-Poly1305, HMAC-SHA256 tokens, a sealed entry', () => {
    expect(v.searchKey.length).toBeGreaterThan(0);
    for (const s of v.searchKey) {
      const b = b64(s.sealed, 'sk1.');
      const kek = hkdf(hex(s.wrapKey), fields('parley/v1/search/key-wrap', s.username));
      expect(xchachaOpen(kek, b.subarray(0, 24), fields('parley/v1/search/key-aad', s.username), b.subarray(24)).toString('hex')).toBe(s.indexKey);
      const textKey = hkdf(hex(s.indexKey), fields('parley/v1/search/text-key'));
      const tokenKey = hkdf(hex(s.indexKey), fields('parley/v1/search/token-key'));
      expect([textKey.toString('hex'), tokenKey.toString('hex')]).toEqual([s.textKey, s.tokenKey]);
      expect(crypto.createHmac('sha256', tokenKey).update(s.word).digest().subarray(0, 12).toString('hex')).toBe(s.token);
      const entry = hex(s.entry.sealed);
      expect(entry.subarray(0, 24).toString('hex')).toBe(s.entry.nonce);
      const aad = fields('parley/v1/search/text-aad', u64(s.entry.conversationId), u64(s.entry.seq));
      expect(xchachaOpen(textKey, entry.subarray(0, 24), aad, entry.subarray(24)).toString('utf8')).toBe(s.entry.text);
    }
  });
});

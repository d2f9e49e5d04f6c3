// Re-derives every frozen vector with independent implementations (OpenSSL through node:crypto, libargon2 through the argon2
// package) from the byte layouts written in docs/e2e.md, so the vectors pin the documented formats, not just noble's output.
import crypto from 'node:crypto';
import argon2 from 'argon2';
import { describe, expect, test } from 'vitest';
import { loadVectorSet } from './load.js';
import { b64, ed25519Private, ed25519Public, fields, hchacha20, hex, hkdf, rawPublic, u32, u64, x25519Private, x25519Public, xchachaOpen } from './openssl.js';

const v = loadVectorSet();

describe('independent re-derivation of the frozen vectors', () => {
  test('HChaCha20 via OpenSSL matches draft-irtf-cfrg-xchacha §2.2.1', () => {
    const key = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
    expect(hchacha20(key, hex('000000090000004a0000000031415927')).toString('hex')).toBe(
      '82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc',
    );
  });

  test('kdf: libargon2 argon2id (RFC 9106) then OpenSSL HKDF-SHA256 (RFC 5869)', async () => {
    expect(v.kdf.filter((k) => k.kdf.v === 2).length).toBeGreaterThanOrEqual(3);
    for (const k of v.kdf) {
      // v1: the stored salt is the argon2id salt. v2: OpenSSL SHA-256 over fields(label, realm, username, stored salt).
      let salt = hex(k.salt);
      if (k.kdf.v === 2) {
        expect(k.realm, k.name).toMatch(/^[A-Za-z0-9_-]{22}$/);
        salt = crypto.createHash('sha256').update(fields('parley/v2/kdf/salt', k.realm!, k.username, hex(k.salt))).digest();
        expect(salt.toString('hex'), k.name).toBe(k.argon2Salt);
      } else {
        expect(k.realm, k.name).toBeUndefined();
      }
      const master = await argon2.hash(Buffer.from(k.password.normalize('NFC')), {
        type: argon2.argon2id,
        raw: true,
        salt,
        memoryCost: k.kdf.m,
        timeCost: k.kdf.t,
        parallelism: k.kdf.p,
        hashLength: 32,
      });
      expect(hkdf(master, fields('parley/v1/kdf/auth-key', k.username)).toString('hex'), k.name).toBe(k.authKey);
      expect(hkdf(master, fields('parley/v1/kdf/wrap-key', k.username)).toString('hex'), k.name).toBe(k.wrapKey);
    }
  });

  test('identity and key bundle: OpenSSL X25519/Ed25519 public keys, self-signature and XChaCha20-Poly1305', () => {
    for (const k of v.keyBundle) {
      const xPub = rawPublic(x25519Private(hex(k.user.x25519Secret)));
      const edPub = rawPublic(ed25519Private(hex(k.user.ed25519Seed)));
      expect(xPub.toString('hex')).toBe(k.x25519Public);
      expect(edPub.toString('hex')).toBe(k.ed25519Public);
      // pub1. = keyVersion u32 | X25519 public | Ed25519 public | signature
      const pub = b64(k.publicIdentity, 'pub1.');
      expect(pub.length).toBe(132);
      expect(pub.readUInt32BE(0)).toBe(k.user.keyVersion);
      expect(pub.subarray(4, 36)).toEqual(xPub);
      expect(pub.subarray(36, 68)).toEqual(edPub);
      const selfSigned = fields('parley/v1/public-identity', k.user.username, u32(k.user.keyVersion), xPub, edPub);
      expect(crypto.verify(null, selfSigned, ed25519Public(edPub), pub.subarray(68))).toBe(true);
      // kb1. = keyVersion u32 | nonce 24 | ciphertext of x25519 secret ‖ ed25519 seed, with tag
      const bundle = b64(k.bundle, 'kb1.');
      expect(bundle.length).toBe(4 + 24 + 64 + 16);
      expect(bundle.subarray(4, 28).toString('hex')).toBe(k.nonce);
      const aad = fields('parley/v1/key-bundle', k.user.username, u32(k.user.keyVersion));
      const secrets = xchachaOpen(hex(k.wrapKey), bundle.subarray(4, 28), aad, bundle.subarray(28));
      expect(secrets.toString('hex')).toBe(k.user.x25519Secret + k.user.ed25519Seed);
    }
  });

  /** ek2 and p2: SHA-256 over the label, the count and each (username, key version) in username order. */
  const membersHash = (members: { username: string; keyVersion: number }[]) => {
    const sorted = [...members].sort((a, b) => (a.username < b.username ? -1 : 1));
    return crypto.createHash('sha256').update(fields('parley/v2/members', u32(sorted.length), ...sorted.flatMap((m) => [m.username, u32(m.keyVersion)]))).digest();
  };
  /** ek2's member list: count u16, then per member name length u8, name, key version u32. */
  const memberList = (members: { username: string; keyVersion: number }[]) => {
    const sorted = [...members].sort((a, b) => (a.username < b.username ? -1 : 1));
    const count = Buffer.alloc(2);
    count.writeUInt16BE(sorted.length);
    return Buffer.concat([count, ...sorted.flatMap((m) => [Buffer.from([Buffer.byteLength(m.username)]), Buffer.from(m.username), u32(m.keyVersion)])]);
  };

  test('sealed epoch key: OpenSSL X25519 ECDH, HKDF, XChaCha20-Poly1305 and the creator\'s Ed25519 signature', () => {
    expect(v.epochKey.filter((e) => e.members !== undefined).length).toBeGreaterThan(0);
    for (const e of v.epochKey) {
      const v2 = e.members !== undefined;
      const b = b64(e.sealed, v2 ? 'ek2.' : 'ek1.');
      const list = v2 ? memberList(e.members!) : Buffer.alloc(0);
      expect(b.length).toBe(188 + list.length);
      expect([Number(b.readBigUInt64BE(0)), b.readUInt32BE(8), b.readUInt32BE(12), b.readUInt32BE(16)]).toEqual([
        e.conversationId,
        e.epoch,
        e.recipient.keyVersion,
        e.creator.keyVersion,
      ]);
      expect(b.subarray(20, 20 + list.length)).toEqual(list);
      const at = 20 + list.length;
      const ephemeral = b.subarray(at, at + 32);
      expect(ephemeral).toEqual(rawPublic(x25519Private(hex(e.ephemeralSecret))));
      const nonce = b.subarray(at + 32, at + 56);
      const sealed = b.subarray(at + 56, at + 104);
      const recipientPub = rawPublic(x25519Private(hex(e.recipient.x25519Secret)));
      const shared = crypto.diffieHellman({ privateKey: x25519Private(hex(e.recipient.x25519Secret)), publicKey: x25519Public(ephemeral) });
      const version = v2 ? 'v2' : 'v1';
      const key = hkdf(shared, fields(`parley/${version}/epoch-key/wrap`, ephemeral, recipientPub));
      const aad = fields(
        `parley/${version}/epoch-key/aad`,
        u64(e.conversationId),
        u32(e.epoch),
        e.recipient.username,
        u32(e.recipient.keyVersion),
        e.creator.username,
        u32(e.creator.keyVersion),
        ...(v2 ? [membersHash(e.members!)] : []),
      );
      expect(xchachaOpen(key, nonce, aad, sealed).toString('hex')).toBe(e.epochKey);
      const creatorPub = ed25519Public(rawPublic(ed25519Private(hex(e.creator.ed25519Seed))));
      const transcript = fields(`parley/${version}/epoch-key/signature`, aad, recipientPub, b.subarray(0, at + 104));
      expect(crypto.verify(null, transcript, creatorPub, b.subarray(at + 104))).toBe(true);
    }
  });

  test('message envelope: OpenSSL Ed25519 verification and XChaCha20-Poly1305 decryption', () => {
    expect(v.envelope.filter((m) => m.members !== undefined).length).toBeGreaterThan(0);
    for (const m of v.envelope) {
      const v2 = m.members !== undefined;
      const b = b64(m.body, v2 ? 'p2.' : 'p1.');
      expect([Number(b.readBigUInt64BE(0)), b.readUInt32BE(8), b.readUInt32BE(12)]).toEqual([m.conversationId, m.epoch, m.sender.keyVersion]);
      const nonce = b.subarray(16, 40);
      expect(nonce.toString('hex')).toBe(m.nonce);
      const signature = b.subarray(40, 104);
      const ciphertext = b.subarray(104);
      const version = v2 ? 'v2' : 'v1';
      const bound = [u64(m.conversationId), u32(m.epoch), m.sender.username, u32(m.sender.keyVersion), m.clientMsgId, ...(v2 ? [membersHash(m.members!)] : [])];
      const aad = fields(`parley/${version}/message/aad`, ...bound);
      const senderPub = ed25519Public(rawPublic(ed25519Private(hex(m.sender.ed25519Seed))));
      expect(crypto.verify(null, fields(`parley/${version}/message/signature`, aad, nonce, ciphertext), senderPub, signature), m.name).toBe(true);
      const plaintext = xchachaOpen(hex(m.epochKey), nonce, aad, ciphertext);
      expect(plaintext[0]).toBe(0x01);
      expect(plaintext.subarray(1).toString('utf8')).toBe(m.text);
    }
  });

  test('vault: OpenSSL HKDF over the private keys and XChaCha20-Poly1305', () => {
    expect(v.vault.length).toBeGreaterThan(0);
    for (const t of v.vault) {
      const b = b64(t.sealed, 'vt1.');
      expect(b.readUInt32BE(0)).toBe(t.user.keyVersion);
      const nonce = b.subarray(4, 28);
      expect(nonce.toString('hex')).toBe(t.nonce);
      const key = hkdf(Buffer.concat([hex(t.user.x25519Secret), hex(t.user.ed25519Seed)]), fields('parley/v2/vault/key'));
      const aad = fields('parley/v2/vault/aad', t.user.username, u32(t.user.keyVersion));
      expect(xchachaOpen(key, nonce, aad, b.subarray(28)).toString('utf8')).toBe(t.text);
    }
  });

  test('safety numbers: 5200 iterations of OpenSSL SHA-512', () => {
    const fp = (p: { username: string; x25519Public: string; ed25519Public: string }) => {
      const keys = Buffer.concat([hex(p.x25519Public), hex(p.ed25519Public)]);
      let h = fields('parley/v1/fingerprint', keys, p.username);
      for (let i = 0; i < 5200; i++) h = crypto.createHash('sha512').update(h).update(keys).digest();
      return [0, 5, 10, 15, 20, 25].map((o) => String(h.readUIntBE(o, 5) % 100000).padStart(5, '0')).join('');
    };
    for (const s of v.safetyNumber) {
      expect(fp(s.a)).toBe(s.fingerprintA);
      expect(fp(s.b)).toBe(s.fingerprintB);
      expect(s.safetyNumber).toBe([s.fingerprintA, s.fingerprintB].sort().join(''));
    }
  });
});

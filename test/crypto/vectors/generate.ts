// Writes Parley's known-answer vectors (test/crypto/vectors/*.json) from fixed inputs; run once, then the files are frozen.
// Usage: npx tsx test/crypto/vectors/generate.ts [--force]. Without --force a frozen vector is never rewritten: vectors with
// new names are added, and one that the code would now compute differently stops the run.
import fs from 'node:fs';
import { bytesToHex } from '@noble/hashes/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { MAX_PLAINTEXT_BYTES } from '../../../src/shared/crypto/envelope.js';
import { toBase64url } from '../../../src/shared/crypto/bytes.js';
import { KDF_DEFAULT, KDF_V1 } from '../../../src/shared/crypto/kdf.js';
import {
  computeEnvelope,
  computeEpochKey,
  computeKdf,
  computeKeyBundle,
  computeSafetyNumber,
  computeVault,
  type EnvelopeRejectionVector,
  type EnvelopeVector,
  type UserSecrets,
} from './check-vectors.js';
import { VECTOR_FILES, vectorPath } from './load.js';

/** Nothing-up-my-sleeve bytes: the first n bytes of SHA-512 of a readable label. */
const fixed = (label: string, n: number): string => bytesToHex(sha512(utf8ToBytes(`parley test vector: ${label}`)).slice(0, n));

const user = (username: string, keyVersion: number): UserSecrets => ({
  username,
  keyVersion,
  x25519Secret: fixed(`${username} v${keyVersion} x25519 secret`, 32),
  ed25519Seed: fixed(`${username} v${keyVersion} ed25519 seed`, 32),
});
const alice = user('alice', 1);
const bob = user('Bob', 2);
const carol = user('carol', 1);

/** A realm id as a server makes one: 16 bytes in base64url. */
const realm = (label: string): string => toBase64url(sha512(utf8ToBytes(`parley test vector: ${label}`)).slice(0, 16));

const kdf = [
  // v1 (accounts made before v2): the stored salt is the argon2id salt. The name says "default" from when it was.
  await computeKdf({ name: 'ascii-default-params', username: 'alice', password: 'correct horse battery staple', salt: fixed('alice salt', 16), kdf: KDF_V1 }),
  // The same password in NFC and NFD: both must give the same keys (RFC 8265 §4.2 normalisation).
  await computeKdf({ name: 'unicode-nfc', username: 'Bob', password: 'pässwörd 🔑 日本', salt: fixed('Bob salt', 16), kdf: KDF_V1 }),
  await computeKdf({ name: 'unicode-nfd', username: 'Bob', password: 'pässwörd 🔑 日本'.normalize('NFD'), salt: fixed('Bob salt', 16), kdf: KDF_V1 }),
  await computeKdf({ name: 'stronger-params', username: 'alice', password: 'correct horse battery staple', salt: fixed('alice salt', 16), kdf: { v: 1, alg: 'argon2id', m: 32_768, t: 3, p: 2 } }),
  // v2: the argon2id salt is SHA-256(fields("parley/v2/kdf/salt", realm, username, stored salt)). Same password and
  // stored salt as ascii-default-params; another realm, or another username, gives other keys.
  await computeKdf({ name: 'v2-default-params', username: 'alice', password: 'correct horse battery staple', salt: fixed('alice salt', 16), kdf: KDF_DEFAULT, realm: realm('realm one') }),
  await computeKdf({ name: 'v2-other-realm', username: 'alice', password: 'correct horse battery staple', salt: fixed('alice salt', 16), kdf: KDF_DEFAULT, realm: realm('realm two') }),
  await computeKdf({ name: 'v2-same-salt-other-user', username: 'Bob', password: 'correct horse battery staple', salt: fixed('alice salt', 16), kdf: KDF_DEFAULT, realm: realm('realm one') }),
  await computeKdf({ name: 'v2-unicode-nfd', username: 'Bob', password: 'pässwörd 🔑 日本'.normalize('NFD'), salt: fixed('Bob salt', 16), kdf: KDF_DEFAULT, realm: realm('realm one') }),
];

const keyBundle = [
  computeKeyBundle({ name: 'alice-v1', user: alice, wrapKey: fixed('alice wrap key', 32), nonce: fixed('alice bundle nonce', 24) }),
  computeKeyBundle({ name: 'Bob-v2', user: bob, wrapKey: fixed('Bob wrap key', 32), nonce: fixed('Bob bundle nonce', 24) }),
];

const epochKey = [
  computeEpochKey({
    name: 'alice-to-Bob',
    conversationId: 7,
    epoch: 1,
    epochKey: fixed('conversation 7 epoch 1', 32),
    creator: alice,
    recipient: bob,
    ephemeralSecret: fixed('ephemeral 1', 32),
    nonce: fixed('epoch key nonce 1', 24),
  }),
  computeEpochKey({
    name: 'alice-to-herself',
    conversationId: 7,
    epoch: 1,
    epochKey: fixed('conversation 7 epoch 1', 32),
    creator: alice,
    recipient: alice,
    ephemeralSecret: fixed('ephemeral 2', 32),
    nonce: fixed('epoch key nonce 2', 24),
  }),
  // ek2: the member set (alice at key version 1, Bob at 2) is named in the copy and bound by the signature.
  computeEpochKey({
    name: 'v2-alice-to-Bob',
    conversationId: 7,
    epoch: 2,
    epochKey: fixed('conversation 7 epoch 2', 32),
    creator: alice,
    recipient: bob,
    members: [
      { username: 'alice', keyVersion: 1 },
      { username: 'Bob', keyVersion: 2 },
    ],
    ephemeralSecret: fixed('ephemeral 3', 32),
    nonce: fixed('epoch key nonce 3', 24),
  }),
  computeEpochKey({
    name: 'v2-alice-to-herself',
    conversationId: 7,
    epoch: 2,
    epochKey: fixed('conversation 7 epoch 2', 32),
    creator: alice,
    recipient: alice,
    members: [
      { username: 'alice', keyVersion: 1 },
      { username: 'Bob', keyVersion: 2 },
    ],
    ephemeralSecret: fixed('ephemeral 4', 32),
    nonce: fixed('epoch key nonce 4', 24),
  }),
];

const base = { conversationId: 7, epoch: 1, epochKey: fixed('conversation 7 epoch 1', 32) };
const v2 = {
  conversationId: 7,
  epoch: 2,
  epochKey: fixed('conversation 7 epoch 2', 32),
  members: [
    { username: 'alice', keyVersion: 1 },
    { username: 'Bob', keyVersion: 2 },
  ],
};
const envelope: EnvelopeVector[] = [
  computeEnvelope({ ...base, name: 'short', sender: alice, clientMsgId: 'm-1', text: 'see you at 6', nonce: fixed('nonce m-1', 24) }),
  computeEnvelope({ ...base, name: 'unicode', sender: bob, clientMsgId: '01J9Z3K7V8', text: '👋 héllo — ✓ 日本語 👩‍👩‍👧', nonce: fixed('nonce m-2', 24) }),
  computeEnvelope({ ...base, name: 'empty', sender: alice, clientMsgId: 'm-empty', text: '', nonce: fixed('nonce m-empty', 24) }),
  computeEnvelope({ ...base, name: 'longest', sender: bob, clientMsgId: 'm-long', text: 'x'.repeat(MAX_PLAINTEXT_BYTES), nonce: fixed('nonce m-long', 24) }),
  computeEnvelope({ ...base, name: 'third-member', sender: carol, clientMsgId: 'm-c', text: 'hi from carol', nonce: fixed('nonce m-c', 24) }),
  computeEnvelope({ ...base, name: 'epoch-2', epoch: 2, epochKey: fixed('conversation 7 epoch 2', 32), sender: alice, clientMsgId: 'm-3', text: 'new epoch', nonce: fixed('nonce m-3', 24) }),
  computeEnvelope({ ...base, name: 'other-key', epochKey: fixed('a key nobody else has', 32), sender: alice, clientMsgId: 'm-4', text: 'other key', nonce: fixed('nonce m-4', 24) }),
  // p2: the associated data also binds the hash of the epoch's member set.
  computeEnvelope({ ...v2, name: 'v2-short', sender: alice, clientMsgId: 'm-5', text: 'see you at 7', nonce: fixed('nonce m-5', 24) }),
  computeEnvelope({ ...v2, name: 'v2-unicode', sender: bob, clientMsgId: '01J9Z3K7V9', text: '👋 héllo — ✓ 日本語 👩‍👩‍👧', nonce: fixed('nonce m-6', 24) }),
  computeEnvelope({ ...v2, name: 'v2-other-members', members: [...v2.members, { username: 'carol', keyVersion: 1 }], sender: alice, clientMsgId: 'm-7', text: 'carol too?', nonce: fixed('nonce m-7', 24) }),
];

const bodyOf = (name: string): string => (envelope.find((v) => v.name === name) as EnvelopeVector).body;
const short = bodyOf('short');
const shortV2 = bodyOf('v2-short');
const flipAt = (text: string, i: number): string => text.slice(0, i) + (text[i] === 'A' ? 'B' : 'A') + text.slice(i + 1);
const rejections: EnvelopeRejectionVector[] = [
  { name: 'plain-text', of: 'short', body: 'see you at 6', reason: 'not-encrypted' },
  { name: 'future-version', of: 'short', body: `p3.${short.slice(3)}`, reason: 'unsupported-version' },
  { name: 'truncated', of: 'short', body: short.slice(0, 40), reason: 'malformed' },
  { name: 'other-conversation', of: 'short', conversationId: 8, reason: 'wrong-conversation' },
  { name: 'other-sender', of: 'short', sender: 'carol', reason: 'bad-signature' },
  { name: 'sender-without-that-key-version', of: 'short', sender: 'Bob', reason: 'unknown-sender-key' },
  { name: 'unknown-sender', of: 'short', sender: 'mallory', reason: 'unknown-sender-key' },
  { name: 'other-client-msg-id', of: 'short', clientMsgId: 'm-2', reason: 'bad-signature' },
  { name: 'flipped-ciphertext-char', of: 'short', body: flipAt(short, short.length - 5), reason: 'bad-signature' },
  { name: 'flipped-epoch-char', of: 'short', body: flipAt(short, 3 + 14), reason: 'bad-signature' },
  { name: 'epoch-without-key', of: 'short', body: bodyOf('epoch-2'), clientMsgId: 'm-3', reason: 'unknown-epoch' },
  { name: 'signed-but-other-key', of: 'short', body: bodyOf('other-key'), clientMsgId: 'm-4', reason: 'tampered' },
  // A p2 envelope relabelled p1 loses its members hash: its signature no longer matches.
  { name: 'v2-downgraded-to-v1', of: 'v2-short', body: `p1.${shortV2.slice(3)}`, reason: 'bad-signature' },
  // Made for a member set with carol in it: the epoch's own set (alice and Bob) gives another hash.
  { name: 'v2-other-member-set', of: 'v2-short', body: bodyOf('v2-other-members'), clientMsgId: 'm-7', reason: 'bad-signature' },
  { name: 'v2-other-conversation', of: 'v2-short', conversationId: 8, reason: 'wrong-conversation' },
];

const pub = (v: (typeof keyBundle)[number]) => ({ username: v.user.username, x25519Public: v.x25519Public, ed25519Public: v.ed25519Public });
const [kbAlice, kbBob] = keyBundle as [(typeof keyBundle)[number], (typeof keyBundle)[number]];
const safetyNumber = [
  computeSafetyNumber({ name: 'alice-Bob', a: pub(kbAlice), b: pub(kbBob) }),
  computeSafetyNumber({ name: 'Bob-alice', a: pub(kbBob), b: pub(kbAlice) }),
];

const vault = [
  computeVault({ name: 'alice-v1', user: alice, text: JSON.stringify({ v: 1, contacts: { Bob: { keys: {}, verified: true, at: 1 } } }), nonce: fixed('alice vault nonce', 24) }),
  computeVault({ name: 'Bob-v2-empty', user: bob, text: '{"contacts":{},"v":1}', nonce: fixed('Bob vault nonce', 24) }),
];

const files: Record<keyof typeof VECTOR_FILES, object> = {
  kdf: { description: 'deriveKeys: argon2id (RFC 9106) then HKDF-SHA256 (RFC 5869) to authKey and wrapKey. Hex bytes.', vectors: kdf },
  keyBundle: { description: 'Identity key pairs (RFC 7748, RFC 8032), pub1. public identities and kb1. sealed private keys (XChaCha20-Poly1305).', vectors: keyBundle },
  epochKey: { description: 'ek1. and ek2. epoch keys sealed to a member (X25519 + HKDF-SHA256 + XChaCha20-Poly1305) and signed by the creator (Ed25519); ek2 names and binds the member set.', vectors: epochKey },
  envelope: { description: 'p1. and p2. message envelopes (p2 binds the epoch member set hash); rejections must fail with the given reason.', vectors: envelope, rejections },
  safetyNumber: { description: 'Per-user 30-digit fingerprints (5200 × SHA-512) and 60-digit safety numbers.', vectors: safetyNumber },
  vault: { description: 'vt1. vaults: the user\'s pins sealed (XChaCha20-Poly1305) under HKDF-SHA256 of their private keys.', vectors: vault },
};

type VectorFile = { vectors: { name: string }[]; rejections?: { name: string }[] };

/** The frozen lists with the new names appended; a frozen vector the code now computes differently is an error. */
function addNew(frozen: VectorFile, fresh: VectorFile, file: string): { content: VectorFile; added: string[] } {
  const added: string[] = [];
  const merge = (old: { name: string }[] = [], now: { name: string }[] = []) => {
    const out = [...old];
    for (const v of now) {
      const kept = old.find((o) => o.name === v.name);
      if (kept === undefined) {
        out.push(v);
        added.push(v.name);
      } else if (JSON.stringify(kept) !== JSON.stringify(v)) {
        throw new Error(`${file}: frozen vector "${v.name}" would change; old data must still open (--force only for a new format)`);
      }
    }
    return out;
  };
  const content: VectorFile = { ...frozen, vectors: merge(frozen.vectors, fresh.vectors) };
  if (fresh.rejections) content.rejections = merge(frozen.rejections, fresh.rejections);
  return { content, added };
}

const force = process.argv.includes('--force');
for (const [kind, content] of Object.entries(files)) {
  const url = vectorPath(VECTOR_FILES[kind as keyof typeof VECTOR_FILES]);
  if (fs.existsSync(url) && !force) {
    const frozen = JSON.parse(fs.readFileSync(url, 'utf8')) as VectorFile;
    const { content: merged, added } = addNew(frozen, content as VectorFile, url.pathname);
    if (added.length === 0) {
      console.log(`kept ${url.pathname} (frozen; --force to overwrite)`);
      continue;
    }
    fs.writeFileSync(url, `${JSON.stringify(merged, null, 2)}\n`);
    console.log(`added to ${url.pathname}: ${added.join(', ')}`);
    continue;
  }
  fs.writeFileSync(url, `${JSON.stringify(content, null, 2)}\n`);
  console.log(`wrote ${url.pathname}`);
}

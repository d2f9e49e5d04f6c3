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
import { computeGroupEnvelope, computeGroupEpochKey, computeMembership, computeSearchKey, type ChainStep, type GroupEnvelopeRejectionVector, type GroupEnvelopeVector } from './check-group-vectors.js';
import { MAX_GROUP_PLAINTEXT_BYTES } from '../../../src/shared/crypto/group-envelope.js';
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

// Groups: a chain (alice creates "book club" with Bob, adds carol, makes Bob an admin; Bob renames; alice removes carol),
// ek3 copies bound to its state after two changes and after five, and p3 envelopes under those epochs.
const T0 = 1_764_400_000_000;
const groupId = toBase64url(sha512(utf8ToBytes('parley test vector: group 12')).slice(0, 16));
const users = [alice, bob, carol];
const steps: ChainStep[] = [
  { actor: 'alice', action: 'create', targets: [{ username: 'alice', keyVersion: 1, role: 'owner' }, { username: 'Bob', keyVersion: 2, role: 'member' }], name: 'book club', history: 'hidden', ts: T0 },
  { actor: 'alice', action: 'add', targets: [{ username: 'carol', keyVersion: 1, role: 'member' }], name: 'book club', history: 'hidden', ts: T0 + 1 },
  { actor: 'alice', action: 'set-role', targets: [{ username: 'Bob', keyVersion: 2, role: 'admin' }], name: 'book club', history: 'hidden', ts: T0 + 2 },
  { actor: 'Bob', action: 'rename', targets: [], name: 'Book club 📚', history: 'hidden', ts: T0 + 3 },
  { actor: 'alice', action: 'remove', targets: [{ username: 'carol', keyVersion: 1, role: 'member' }], name: 'Book club 📚', history: 'hidden', ts: T0 + 4 },
];
const membership = [
  computeMembership({ name: 'book-club-first-two', groupId, users, steps: steps.slice(0, 2) }),
  computeMembership({ name: 'book-club', groupId, users, steps }),
];
const [startState, endState] = membership as [(typeof membership)[number], (typeof membership)[number]];
const epoch1 = { conversationId: 12, epoch: 1, epochKey: fixed('group 12 epoch 1', 32), chainLength: 2, head: startState.head, membersHash: startState.membersHash };
const epoch2 = { conversationId: 12, epoch: 2, epochKey: fixed('group 12 epoch 2', 32), chainLength: 5, head: endState.head, membersHash: endState.membersHash };
const groupEpochKey = [
  computeGroupEpochKey({ ...epoch1, name: 'alice-to-Bob', creator: alice, recipient: bob, ephemeralSecret: fixed('group ephemeral 1', 32) }),
  computeGroupEpochKey({ ...epoch1, name: 'alice-to-carol', creator: alice, recipient: carol, ephemeralSecret: fixed('group ephemeral 2', 32) }),
  computeGroupEpochKey({ ...epoch1, name: 'alice-to-herself', creator: alice, recipient: alice, ephemeralSecret: fixed('group ephemeral 3', 32) }),
  // After carol's removal: a new epoch, made by Bob, for alice and Bob only.
  computeGroupEpochKey({ ...epoch2, name: 'after-removal-Bob-to-alice', creator: bob, recipient: alice, ephemeralSecret: fixed('group ephemeral 4', 32) }),
];
const groupEnvelope: GroupEnvelopeVector[] = [
  computeGroupEnvelope({ ...epoch1, name: 'short', sender: alice, clientMsgId: 'g-1', text: 'see you at the club', nonce: fixed('group nonce g-1', 24) }),
  computeGroupEnvelope({ ...epoch1, name: 'unicode', sender: bob, clientMsgId: '01J9Z3K7VA', text: '👋 héllo — ✓ 日本語 👩‍👩‍👧', nonce: fixed('group nonce g-2', 24) }),
  computeGroupEnvelope({ ...epoch1, name: 'empty', sender: carol, clientMsgId: 'g-empty', text: '', nonce: fixed('group nonce g-empty', 24) }),
  computeGroupEnvelope({ ...epoch1, name: 'longest', sender: alice, clientMsgId: 'g-long', text: 'x'.repeat(MAX_GROUP_PLAINTEXT_BYTES), nonce: fixed('group nonce g-long', 24) }),
  computeGroupEnvelope({ ...epoch2, name: 'after-removal', sender: bob, clientMsgId: 'g-3', text: 'just us now', nonce: fixed('group nonce g-3', 24) }),
  computeGroupEnvelope({ ...epoch1, name: 'other-key', epochKey: fixed('a group key nobody else has', 32), sender: alice, clientMsgId: 'g-4', text: 'other key', nonce: fixed('group nonce g-4', 24) }),
];
const groupBodyOf = (name: string): string => (groupEnvelope.find((v) => v.name === name) as GroupEnvelopeVector).body;
const groupShort = groupBodyOf('short');
const groupRejections: GroupEnvelopeRejectionVector[] = [
  { name: 'plain-text', of: 'short', body: 'see you at the club', reason: 'not-encrypted' },
  { name: 'relabelled-p2', of: 'short', body: `p2.${groupShort.slice(3)}`, reason: 'malformed' },
  { name: 'future-version', of: 'short', body: `p4.${groupShort.slice(3)}`, reason: 'unsupported-version' },
  { name: 'truncated', of: 'short', body: groupShort.slice(0, 100), reason: 'malformed' },
  { name: 'other-conversation', of: 'short', conversationId: 13, reason: 'wrong-conversation' },
  { name: 'other-sender', of: 'short', sender: 'carol', reason: 'bad-signature' },
  { name: 'unknown-sender', of: 'short', sender: 'mallory', reason: 'unknown-sender-key' },
  { name: 'other-client-msg-id', of: 'short', clientMsgId: 'g-2', reason: 'bad-signature' },
  // Read against another chain state than the sender's epoch was made for (a fork).
  { name: 'other-chain-head', of: 'short', head: endState.head, reason: 'bad-signature' },
  { name: 'flipped-commitment-char', of: 'short', body: flipAt(groupShort, 3 + 25), reason: 'bad-signature' },
  { name: 'epoch-without-key', of: 'short', body: groupBodyOf('after-removal'), sender: 'Bob', clientMsgId: 'g-3', reason: 'unknown-epoch' },
  // Key commitment: our key is not the one the sender committed to; checked before decrypting.
  { name: 'opened-with-other-key', of: 'short', epochKey: fixed('a group key nobody else has', 32), reason: 'key-mismatch' },
  { name: 'committed-to-other-key', of: 'short', body: groupBodyOf('other-key'), clientMsgId: 'g-4', reason: 'key-mismatch' },
];

const searchKey = [
  computeSearchKey({
    name: 'alice',
    username: 'alice',
    wrapKey: fixed('alice wrap key', 32),
    indexKey: fixed('alice index key', 32),
    nonce: fixed('alice index key nonce', 24),
    word: 'gate',
    entry: { conversationId: 7, seq: 42, text: 'meet at the north gate', nonce: fixed('alice entry nonce', 24) },
  }),
];

const files: Record<keyof typeof VECTOR_FILES, object> = {
  kdf: { description: 'deriveKeys: argon2id (RFC 9106) then HKDF-SHA256 (RFC 5869) to authKey and wrapKey. Hex bytes.', vectors: kdf },
  keyBundle: { description: 'Identity key pairs (RFC 7748, RFC 8032), pub1. public identities and kb1. sealed private keys (XChaCha20-Poly1305).', vectors: keyBundle },
  epochKey: { description: 'ek1. and ek2. epoch keys sealed to a member (X25519 + HKDF-SHA256 + XChaCha20-Poly1305) and signed by the creator (Ed25519); ek2 names and binds the member set.', vectors: epochKey },
  envelope: { description: 'p1. and p2. message envelopes (p2 binds the epoch member set hash); rejections must fail with the given reason.', vectors: envelope, rejections },
  safetyNumber: { description: 'Per-user 30-digit fingerprints (5200 × SHA-512) and 60-digit safety numbers.', vectors: safetyNumber },
  vault: { description: 'vt1. vaults: the user\'s pins sealed (XChaCha20-Poly1305) under HKDF-SHA256 of their private keys.', vectors: vault },
  membership: { description: 'mc1. membership chains: each change signed by its actor (Ed25519), linked by SHA-256; head and membersHash of the verified state. Hex bytes.', vectors: membership },
  groupEpochKey: {
    description: 'ek3. group epoch key copies: X25519 + HKDF-SHA256 (key and nonce) + XChaCha20-Poly1305, bound to the chain state (length, head, membersHash) and signed by the creator (Ed25519).',
    vectors: groupEpochKey,
  },
  groupEnvelope: {
    description: 'p3. group envelopes: a SHA-256 commitment to the epoch key and the epoch chain state in the signed associated data; rejections must fail with the given reason.',
    vectors: groupEnvelope,
    rejections: groupRejections,
  },
  searchKey: { description: 'sk1. sealed search index keys (HKDF-SHA256 of the wrap key, XChaCha20-Poly1305), the text and token keys, a blinded word and a sealed entry.', vectors: searchKey },
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

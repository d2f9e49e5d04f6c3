// Known-answer vectors for Parley's own formats: computing them from fixed inputs, and checking frozen ones (in Node and in browsers).
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { decryptMessage, encryptMessage, encryptMessageV1, type DecryptFailure } from '../../../src/shared/crypto/envelope.js';
import { openEpochKey, sealEpochKey, sealEpochKeyV1 } from '../../../src/shared/crypto/epoch-key.js';
import { encodePublicIdentity, identityFromSecrets, parsePublicIdentity, publicIdentityOf, type Identity, type PublicIdentity } from '../../../src/shared/crypto/identity.js';
import { boundSalt, deriveKeys, type KdfDescriptor } from '../../../src/shared/crypto/kdf.js';
import { openIdentity, sealIdentity } from '../../../src/shared/crypto/key-bundle.js';
import { membersHash, type Member } from '../../../src/shared/crypto/members.js';
import { checkGroupVectors, type GroupVectorSet } from './check-group-vectors.js';
import { checkEnvelopes, differs } from './check-kit.js';
import { fixedRng } from './fixed-rng.js';
import { fingerprint, safetyNumber } from '../../../src/shared/crypto/safety-number.js';
import { openVault, sealVault } from '../../../src/shared/crypto/vault.js';

/** Bytes are hex in vector files; Parley's own string formats (pub1., kb1., ek1./ek2./ek3., p1./p2./p3., vt1., mc1., sk1.) appear as they are. */
type Hex = string;

export interface UserSecrets {
  username: string;
  keyVersion: number;
  x25519Secret: Hex;
  ed25519Seed: Hex;
}

export interface KdfVector {
  name: string;
  username: string;
  password: string;
  /** The salt the server stores and hands out. */
  salt: Hex;
  kdf: KdfDescriptor;
  /** v2: the server's realm id, bound into the argon2id salt. */
  realm?: string;
  /** v2: the salt argon2id is given, SHA-256(fields("parley/v2/kdf/salt", realm, username, salt)). */
  argon2Salt?: Hex;
  authKey: Hex;
  wrapKey: Hex;
}

export interface KeyBundleVector {
  name: string;
  user: UserSecrets;
  wrapKey: Hex;
  /** The random nonce sealIdentity draws. */
  nonce: Hex;
  x25519Public: Hex;
  ed25519Public: Hex;
  publicIdentity: string;
  bundle: string;
}

export interface EpochKeyVector {
  name: string;
  conversationId: number;
  epoch: number;
  epochKey: Hex;
  creator: UserSecrets;
  recipient: UserSecrets;
  /** ek2: the epoch's member set (absent: an ek1 vector, frozen before member sets were bound). */
  members?: Member[];
  /** The random values sealEpochKey draws, in order. */
  ephemeralSecret: Hex;
  nonce: Hex;
  sealed: string;
}

export interface EnvelopeVector {
  name: string;
  conversationId: number;
  epoch: number;
  epochKey: Hex;
  sender: UserSecrets;
  /** p2: the epoch's member set, whose hash the envelope binds (absent: a p1 vector). */
  members?: Member[];
  clientMsgId: string;
  text: string;
  nonce: Hex;
  body: string;
}

/** A frozen envelope presented with something changed, and the reason decryption must give. */
export interface EnvelopeRejectionVector {
  name: string;
  /** The EnvelopeVector whose keys and context are used. */
  of: string;
  body?: string;
  conversationId?: number;
  sender?: string;
  clientMsgId?: string;
  reason: DecryptFailure;
}

export interface VaultVector {
  name: string;
  user: UserSecrets;
  text: string;
  /** The random nonce sealVault draws. */
  nonce: Hex;
  sealed: string;
}

export interface SafetyNumberVector {
  name: string;
  a: { username: string; x25519Public: Hex; ed25519Public: Hex };
  b: { username: string; x25519Public: Hex; ed25519Public: Hex };
  fingerprintA: string;
  fingerprintB: string;
  safetyNumber: string;
}

export interface VectorSet extends GroupVectorSet {
  kdf: KdfVector[];
  keyBundle: KeyBundleVector[];
  epochKey: EpochKeyVector[];
  envelope: EnvelopeVector[];
  envelopeRejection: EnvelopeRejectionVector[];
  safetyNumber: SafetyNumberVector[];
  vault: VaultVector[];
}

type Inputs<V> = Omit<V, OutputsOf<V>>;
type OutputsOf<V> = V extends KdfVector
  ? 'authKey' | 'wrapKey' | 'argon2Salt'
  : V extends KeyBundleVector
    ? 'x25519Public' | 'ed25519Public' | 'publicIdentity' | 'bundle'
    : V extends EpochKeyVector
      ? 'sealed'
      : V extends EnvelopeVector
        ? 'body'
        : V extends SafetyNumberVector
          ? 'fingerprintA' | 'fingerprintB' | 'safetyNumber'
          : V extends VaultVector
            ? 'sealed'
            : never;

/** Puts `name` first so the frozen JSON files read name-first. */
function nameFirst<T extends { name: string }>(v: T): T {
  const { name, ...rest } = v;
  return { name, ...rest } as T;
}

const identityOf = (u: UserSecrets): Identity => identityFromSecrets(u.keyVersion, hexToBytes(u.x25519Secret), hexToBytes(u.ed25519Seed));
const publicOf = (p: { username: string; x25519Public: Hex; ed25519Public: Hex }): PublicIdentity => ({
  username: p.username,
  keyVersion: 1,
  x25519: hexToBytes(p.x25519Public),
  ed25519: hexToBytes(p.ed25519Public),
});

export async function computeKdf(v: Inputs<KdfVector>): Promise<KdfVector> {
  const keys = await deriveKeys({ username: v.username, password: v.password, salt: hexToBytes(v.salt), kdf: v.kdf, realm: v.realm });
  if (!keys.ok) throw new Error(`kdf vector ${v.name}: ${keys.reason}`);
  const bound = v.realm === undefined ? {} : { argon2Salt: bytesToHex(boundSalt(v.realm, v.username, hexToBytes(v.salt))) };
  return { ...nameFirst(v), ...bound, authKey: bytesToHex(keys.authKey), wrapKey: bytesToHex(keys.wrapKey) };
}

export function computeKeyBundle(v: Inputs<KeyBundleVector>): KeyBundleVector {
  const identity = identityOf(v.user);
  const rng = fixedRng([hexToBytes(v.nonce)]);
  return {
    ...nameFirst(v),
    x25519Public: bytesToHex(identity.x25519.publicKey),
    ed25519Public: bytesToHex(identity.ed25519.publicKey),
    publicIdentity: encodePublicIdentity(identity, v.user.username),
    bundle: sealIdentity({ identity, username: v.user.username, wrapKey: hexToBytes(v.wrapKey) }, rng),
  };
}

export function computeEpochKey(v: Inputs<EpochKeyVector>): EpochKeyVector {
  const rng = fixedRng([hexToBytes(v.ephemeralSecret), hexToBytes(v.nonce)]);
  const recipient = publicIdentityOf(identityOf(v.recipient), v.recipient.username);
  const input = { epochKey: hexToBytes(v.epochKey), conversationId: v.conversationId, epoch: v.epoch, recipient, creator: identityOf(v.creator), creatorName: v.creator.username };
  const sealed = v.members === undefined ? sealEpochKeyV1(input, rng) : sealEpochKey({ ...input, members: v.members }, rng);
  return { ...nameFirst(v), sealed };
}

export function computeEnvelope(v: Inputs<EnvelopeVector>): EnvelopeVector {
  const rng = fixedRng([hexToBytes(v.nonce)]);
  const input = { ...v, epochKey: hexToBytes(v.epochKey), identity: identityOf(v.sender), sender: v.sender.username };
  const out = v.members === undefined ? encryptMessageV1(input, rng) : encryptMessage({ ...input, membersHash: membersHash(v.members) }, rng);
  if (!out.ok) throw new Error(`envelope vector ${v.name}: ${out.reason}`);
  return { ...nameFirst(v), body: out.body };
}

export function computeSafetyNumber(v: Inputs<SafetyNumberVector>): SafetyNumberVector {
  const a = publicOf(v.a);
  const b = publicOf(v.b);
  return { ...nameFirst(v), fingerprintA: fingerprint(a), fingerprintB: fingerprint(b), safetyNumber: safetyNumber(a, b) };
}

export function computeVault(v: Inputs<VaultVector>): VaultVector {
  const rng = fixedRng([hexToBytes(v.nonce)]);
  return { ...nameFirst(v), sealed: sealVault({ text: v.text, username: v.user.username, identity: identityOf(v.user) }, rng) };
}

export interface VectorReport {
  passed: number;
  failures: string[];
}

/** A directory that knows exactly the given users' keys. */
const directoryOf = (...users: UserSecrets[]) => (username: string, keyVersion: number) => {
  const u = users.find((x) => x.username === username && x.keyVersion === keyVersion);
  return u === undefined ? undefined : publicIdentityOf(identityOf(u), username);
};

/**
 * Recomputes every vector from its inputs and compares each output, then opens each frozen output and
 * compares it with the inputs; rejection vectors must fail with their reason. Never throws: an
 * exception counts as that vector's failure, so a browser test can report everything at once.
 */
export async function checkVectors(vectors: VectorSet): Promise<VectorReport> {
  const report: VectorReport = { passed: 0, failures: [] };
  const check = async (kind: string, name: string, run: () => string[] | Promise<string[]>) => {
    try {
      const problems = await run();
      if (problems.length === 0) report.passed++;
      else report.failures.push(...problems.map((p) => `${kind}/${name}: ${p}`));
    } catch (error) {
      report.failures.push(`${kind}/${name}: threw ${String(error)}`);
    }
  };

  for (const v of vectors.kdf) {
    await check('kdf', v.name, async () => differs(v, await computeKdf(v), ['argon2Salt', 'authKey', 'wrapKey']));
  }
  for (const v of vectors.keyBundle) {
    await check('keyBundle', v.name, () => {
      const problems = differs(v, computeKeyBundle(v), ['x25519Public', 'ed25519Public', 'publicIdentity', 'bundle']);
      const pub = parsePublicIdentity(v.publicIdentity, v.user.username);
      if (!pub.ok) return [...problems, `publicIdentity does not parse: ${pub.reason}`];
      const opened = openIdentity({ bundle: v.bundle, username: v.user.username, wrapKey: hexToBytes(v.wrapKey), published: pub.identity });
      if (!opened.ok) return [...problems, `bundle does not open: ${opened.reason}`];
      if (bytesToHex(opened.identity.x25519.secretKey) !== v.user.x25519Secret || bytesToHex(opened.identity.ed25519.secretKey) !== v.user.ed25519Seed) {
        problems.push('bundle opens to other secrets');
      }
      return problems;
    });
  }
  for (const v of vectors.epochKey) {
    await check('epochKey', v.name, () => {
      const problems = differs(v, computeEpochKey(v), ['sealed']);
      const opened = openEpochKey({
        sealed: v.sealed,
        conversationId: v.conversationId,
        epoch: v.epoch,
        me: identityOf(v.recipient),
        myName: v.recipient.username,
        creatorName: v.creator.username,
        members: v.members?.map((m) => m.username) ?? [v.creator.username, v.recipient.username],
        keys: directoryOf(v.creator, v.recipient),
      });
      if (!opened.ok) return [...problems, `sealed key does not open: ${opened.reason}`];
      if (bytesToHex(opened.epochKey) !== v.epochKey) problems.push('sealed key opens to another key');
      return problems;
    });
  }
  const decrypt = (v: EnvelopeVector, change: Partial<EnvelopeRejectionVector> = {}) =>
    decryptMessage({
      body: change.body ?? v.body,
      conversationId: change.conversationId ?? v.conversationId,
      sender: change.sender ?? v.sender.username,
      clientMsgId: change.clientMsgId ?? v.clientMsgId,
      epochKeys: (epoch) => (epoch === v.epoch ? hexToBytes(v.epochKey) : undefined),
      membersHash: (epoch) => (epoch === v.epoch && v.members !== undefined ? membersHash(v.members) : undefined),
      keys: directoryOf(...vectors.envelope.map((e) => e.sender)),
    });
  await checkEnvelopes<EnvelopeVector, EnvelopeRejectionVector>(check, { kind: 'envelope', vectors: vectors.envelope, rejections: vectors.envelopeRejection, compute: computeEnvelope, open: decrypt });
  for (const v of vectors.safetyNumber) {
    await check('safetyNumber', v.name, () => differs(v, computeSafetyNumber(v), ['fingerprintA', 'fingerprintB', 'safetyNumber']));
  }
  for (const v of vectors.vault) {
    await check('vault', v.name, () => {
      const problems = differs(v, computeVault(v), ['sealed']);
      const opened = openVault({ sealed: v.sealed, username: v.user.username, identity: identityOf(v.user) });
      if (!opened.ok) return [...problems, `vault does not open: ${opened.reason}`];
      if (opened.text !== v.text) problems.push('vault opens to other text');
      return problems;
    });
  }
  await checkGroupVectors(vectors, check);
  return report;
}

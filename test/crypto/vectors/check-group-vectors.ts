// Known-answer vectors for the group formats (mc1. chains, ek3. copies, p3. envelopes) and the search index key (sk1.): compute and check.
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { openGroupEnvelope, sealGroupEnvelope, type GroupDecryptFailure } from '../../../src/shared/crypto/group-envelope.js';
import { openGroupEpochKey, sealGroupEpochKey } from '../../../src/shared/crypto/group-epoch-key.js';
import { identityFromSecrets, publicIdentityOf, type Identity } from '../../../src/shared/crypto/identity.js';
import { GENESIS_PREV, membershipChangeHash, signMembershipChange, type ChangeAction, type ChangeTarget, type HistorySetting } from '../../../src/shared/crypto/membership.js';
import { verifyChain } from '../../../src/shared/crypto/membership-chain.js';
import { blindToken, openEntry, openSearchKey, sealEntry, sealSearchKey, searchKeys } from '../../../src/shared/crypto/search.js';
import { fixedRng } from './fixed-rng.js';

import type { UserSecrets } from './check-vectors.js';
import { checkEnvelopes, differs, type Check } from './check-kit.js';

type Hex = string;

/** One change of a chain, as its actor signs it; index and prev follow from its place. */
export interface ChainStep {
  actor: string;
  action: ChangeAction;
  targets: ChangeTarget[];
  name: string;
  history: HistorySetting;
  ts: number;
}

export interface MembershipVector {
  name: string;
  /** base64url of the 16-byte group id. */
  groupId: string;
  users: UserSecrets[];
  steps: ChainStep[];
  changes: string[];
  /** The verified state after the last change. */
  head: Hex;
  membersHash: Hex;
}

export interface GroupEpochKeyVector {
  name: string;
  conversationId: number;
  epoch: number;
  epochKey: Hex;
  creator: UserSecrets;
  recipient: UserSecrets;
  chainLength: number;
  head: Hex;
  membersHash: Hex;
  /** The one random value sealGroupEpochKey draws (the nonce comes from HKDF). */
  ephemeralSecret: Hex;
  sealed: string;
}

export interface GroupEnvelopeVector {
  name: string;
  conversationId: number;
  epoch: number;
  epochKey: Hex;
  chainLength: number;
  head: Hex;
  membersHash: Hex;
  sender: UserSecrets;
  clientMsgId: string;
  text: string;
  nonce: Hex;
  body: string;
}

/** A frozen p3 envelope presented with something changed (our key, chain state, context or body), and the reason it must give. */
export interface GroupEnvelopeRejectionVector {
  name: string;
  of: string;
  body?: string;
  conversationId?: number;
  sender?: string;
  clientMsgId?: string;
  epochKey?: Hex;
  head?: Hex;
  reason: GroupDecryptFailure;
}

export interface SearchKeyVector {
  name: string;
  username: string;
  wrapKey: Hex;
  indexKey: Hex;
  /** The random nonce sealSearchKey draws. */
  nonce: Hex;
  sealed: string;
  textKey: Hex;
  tokenKey: Hex;
  word: string;
  token: string;
  entry: { conversationId: number; seq: number; text: string; nonce: Hex; sealed: Hex };
}

export interface GroupVectorSet {
  membership: MembershipVector[];
  groupEpochKey: GroupEpochKeyVector[];
  groupEnvelope: GroupEnvelopeVector[];
  groupEnvelopeRejection: GroupEnvelopeRejectionVector[];
  searchKey: SearchKeyVector[];
}

const identityOf = (u: UserSecrets): Identity => identityFromSecrets(u.keyVersion, hexToBytes(u.x25519Secret), hexToBytes(u.ed25519Seed));
const directoryOf = (...users: UserSecrets[]) => (username: string, keyVersion: number) => {
  const u = users.find((x) => x.username === username && x.keyVersion === keyVersion);
  return u === undefined ? undefined : publicIdentityOf(identityOf(u), username);
};
const nameFirst = <T extends { name: string }>(v: T): T => {
  const { name, ...rest } = v;
  return { name, ...rest } as T;
};
export function computeMembership(v: Omit<MembershipVector, 'changes' | 'head' | 'membersHash'>): MembershipVector {
  const changes: string[] = [];
  for (const [index, step] of v.steps.entries()) {
    const actor = v.users.find((u) => u.username === step.actor)!;
    const prev = index === 0 ? GENESIS_PREV : membershipChangeHash(changes[index - 1])!;
    changes.push(signMembershipChange({ groupId: v.groupId, index, prev, actorKeyVersion: actor.keyVersion, ...step }, identityOf(actor)));
  }
  const outcome = verifyChain({ changes, keys: directoryOf(...v.users), groupId: v.groupId });
  if (!outcome.ok) throw new Error(`membership vector ${v.name}: change ${outcome.at} refused (${outcome.reason})`);
  return { ...nameFirst(v), changes, head: bytesToHex(outcome.state.head), membersHash: bytesToHex(outcome.state.membersHash) } as MembershipVector;
}

export function computeGroupEpochKey(v: Omit<GroupEpochKeyVector, 'sealed'>): GroupEpochKeyVector {
  const sealed = sealGroupEpochKey({
    conversationId: v.conversationId,
    epoch: v.epoch,
    key: hexToBytes(v.epochKey),
    creator: identityOf(v.creator),
    creatorName: v.creator.username,
    recipient: publicIdentityOf(identityOf(v.recipient), v.recipient.username),
    chainLength: v.chainLength,
    head: hexToBytes(v.head),
    membersHash: hexToBytes(v.membersHash),
    rng: fixedRng([hexToBytes(v.ephemeralSecret)]),
  });
  return { ...nameFirst(v), sealed };
}

const epochOf = (v: GroupEnvelopeVector | Omit<GroupEnvelopeVector, 'body'>) => ({
  epochKey: hexToBytes(v.epochKey),
  chainLength: v.chainLength,
  head: hexToBytes(v.head),
  membersHash: hexToBytes(v.membersHash),
});

export function computeGroupEnvelope(v: Omit<GroupEnvelopeVector, 'body'>): GroupEnvelopeVector {
  const input = { ...epochOf(v), conversationId: v.conversationId, epoch: v.epoch, sender: v.sender.username, clientMsgId: v.clientMsgId, text: v.text, identity: identityOf(v.sender) };
  const out = sealGroupEnvelope(input, fixedRng([hexToBytes(v.nonce)]));
  if (!out.ok) throw new Error(`group envelope vector ${v.name}: ${out.reason}`);
  return { ...nameFirst(v), body: out.body };
}

export function computeSearchKey(v: Pick<SearchKeyVector, 'name' | 'username' | 'wrapKey' | 'indexKey' | 'nonce' | 'word'> & { entry: Omit<SearchKeyVector['entry'], 'sealed'> }): SearchKeyVector {
  const indexKey = hexToBytes(v.indexKey);
  const sealed = sealSearchKey({ indexKey, wrapKey: hexToBytes(v.wrapKey), username: v.username }, fixedRng([hexToBytes(v.nonce)]));
  const keys = searchKeys(indexKey);
  const e = v.entry;
  const entry = { ...e, sealed: bytesToHex(sealEntry(keys.text, e.conversationId, e.seq, e.text, fixedRng([hexToBytes(e.nonce)]))) };
  return { ...nameFirst(v), sealed, textKey: bytesToHex(keys.text), tokenKey: bytesToHex(keys.token), token: blindToken(keys.token, v.word), entry } as SearchKeyVector;
}

/** Recomputes and opens every group and search-key vector; rejections must fail with their reason. */
export async function checkGroupVectors(vectors: GroupVectorSet, check: Check): Promise<void> {
  for (const v of vectors.membership) {
    await check('membership', v.name, () => differs(v, computeMembership(v), ['changes', 'head', 'membersHash']));
  }
  for (const v of vectors.groupEpochKey) {
    await check('groupEpochKey', v.name, () => {
      const problems = differs(v, computeGroupEpochKey(v), ['sealed']);
      const opened = openGroupEpochKey(v.sealed, {
        conversationId: v.conversationId,
        epoch: v.epoch,
        recipient: identityOf(v.recipient),
        recipientName: v.recipient.username,
        creator: publicIdentityOf(identityOf(v.creator), v.creator.username),
        chainLength: v.chainLength,
        head: hexToBytes(v.head),
        membersHash: hexToBytes(v.membersHash),
      });
      if (!opened.ok) return [...problems, `copy does not open: ${opened.reason}`];
      if (bytesToHex(opened.epochKey) !== v.epochKey) problems.push('copy opens to another key');
      return problems;
    });
  }
  const open = (v: GroupEnvelopeVector, change: Partial<GroupEnvelopeRejectionVector> = {}) => {
    const epoch = { ...epochOf(v), ...(change.epochKey ? { epochKey: hexToBytes(change.epochKey) } : {}), ...(change.head ? { head: hexToBytes(change.head) } : {}) };
    return openGroupEnvelope({
      body: change.body ?? v.body,
      conversationId: change.conversationId ?? v.conversationId,
      sender: change.sender ?? v.sender.username,
      clientMsgId: change.clientMsgId ?? v.clientMsgId,
      epochs: (e) => (e === v.epoch ? epoch : undefined),
      keys: directoryOf(...vectors.groupEnvelope.map((x) => x.sender)),
    });
  };
  await checkEnvelopes<GroupEnvelopeVector, GroupEnvelopeRejectionVector>(check, { kind: 'groupEnvelope', vectors: vectors.groupEnvelope, rejections: vectors.groupEnvelopeRejection, compute: computeGroupEnvelope, open });
  for (const v of vectors.searchKey) {
    await check('searchKey', v.name, () => {
      const problems = differs(v, computeSearchKey(v), ['sealed', 'textKey', 'tokenKey', 'token', 'entry']);
      const opened = openSearchKey({ sealed: v.sealed, wrapKey: hexToBytes(v.wrapKey), username: v.username });
      if (opened === undefined || bytesToHex(opened) !== v.indexKey) problems.push('sealed index key does not open to its key');
      if (openEntry(hexToBytes(v.textKey), v.entry.conversationId, v.entry.seq, hexToBytes(v.entry.sealed)) !== v.entry.text) problems.push('entry does not open to its text');
      return problems;
    });
  }
}

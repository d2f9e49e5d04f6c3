// Users, a direct conversation and a key directory for the crypto unit tests, made once per test file (no argon2 needed).
import { newEpochKey } from '../../src/shared/crypto/epoch-key.js';
import { membersHash } from '../../src/shared/crypto/members.js';
import { generateIdentity, publicIdentityOf, type Identity, type KeyDirectory, type PublicIdentity } from '../../src/shared/crypto/identity.js';
import { GENESIS_PREV, newGroupId, signMembershipChange } from '../../src/shared/crypto/membership.js';
import { verifyChain, type GroupState } from '../../src/shared/crypto/membership-chain.js';

export interface TestUser {
  name: string;
  identity: Identity;
  pub: PublicIdentity;
}

export const makeUser = (name: string, keyVersion = 1): TestUser => {
  const identity = generateIdentity(keyVersion);
  return { name, identity, pub: publicIdentityOf(identity, name) };
};

export const directoryOf =
  (...users: TestUser[]): KeyDirectory =>
  (username, keyVersion) =>
    users.find((u) => u.name === username && u.identity.keyVersion === keyVersion)?.pub;

/** alice and bob in conversation 3 at epoch 1, and carol, who is not in it. */
export function directConversation() {
  const alice = makeUser('alice');
  const bob = makeUser('bob');
  const carol = makeUser('carol');
  const epochKey = newEpochKey();
  const members = [
    { username: 'alice', keyVersion: 1 },
    { username: 'bob', keyVersion: 1 },
  ];
  const hash = membersHash(members);
  return {
    alice,
    bob,
    carol,
    conversationId: 3,
    epoch: 1,
    epochKey,
    keys: directoryOf(alice, bob, carol),
    epochKeys: (epoch: number) => (epoch === 1 ? epochKey : undefined),
    /** Epoch 1's member set (alice and bob at key version 1) and its hash, which ek2 keys and p2 envelopes bind. */
    members,
    membersHash: hash,
    membersHashes: (epoch: number) => (epoch === 1 ? hash : undefined),
  };
}

/** A group (conversation 9) alice created with bob and carol, its verified state, and epoch 1's key; dave is not in it. */
export function groupConversation() {
  const alice = makeUser('alice');
  const bob = makeUser('bob');
  const carol = makeUser('carol');
  const dave = makeUser('dave');
  const keys = directoryOf(alice, bob, carol, dave);
  const create = signMembershipChange(
    {
      groupId: newGroupId(),
      index: 0,
      prev: GENESIS_PREV,
      actor: 'alice',
      actorKeyVersion: 1,
      action: 'create',
      targets: [
        { username: 'alice', keyVersion: 1, role: 'owner' },
        { username: 'bob', keyVersion: 1, role: 'member' },
        { username: 'carol', keyVersion: 1, role: 'member' },
      ],
      name: 'club',
      history: 'hidden',
      ts: 1_764_400_000_000,
    },
    alice.identity,
  );
  const outcome = verifyChain({ changes: [create], keys });
  if (!outcome.ok) throw new Error(`fixture chain refused: ${outcome.reason}`);
  const state: GroupState = outcome.state;
  return { alice, bob, carol, dave, keys, chain: [create], state, conversationId: 9, epoch: 1, epochKey: newEpochKey() };
}

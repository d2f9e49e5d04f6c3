// Users, a direct conversation and a key directory for the crypto unit tests, made once per test file (no argon2 needed).
import { newEpochKey } from '../../src/shared/crypto/epoch-key.js';
import { membersHash } from '../../src/shared/crypto/members.js';
import { generateIdentity, publicIdentityOf, type Identity, type KeyDirectory, type PublicIdentity } from '../../src/shared/crypto/identity.js';

interface TestUser {
  name: string;
  identity: Identity;
  pub: PublicIdentity;
}

export const makeUser = (name: string, keyVersion = 1): TestUser => {
  const identity = generateIdentity(keyVersion);
  return { name, identity, pub: publicIdentityOf(identity, name) };
};

const directoryOf =
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

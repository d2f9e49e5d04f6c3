// The public API of Parley's end-to-end encryption core, for the client SDK (terminal and web) and the server's prelogin.
export { fromBase64url, toBase64url } from './bytes.js';
export {
  boundSalt,
  deriveKeys,
  parseKdfDescriptor,
  KDF_DEFAULT,
  KDF_V1,
  KDF_BOUNDS,
  REALM_PATTERN,
  SALT_BYTES,
  type DerivedKeys,
  type KdfDescriptor,
  type KdfFailure,
} from './kdf.js';
export { newSalt, fakeSalt, realmOf } from './salt.js';
export {
  generateIdentity,
  identityFromSecrets,
  publicIdentityOf,
  encodePublicIdentity,
  parsePublicIdentity,
  type Identity,
  type KeyPair,
  type PublicIdentity,
  type PublicIdentityFailure,
  type KeyDirectory,
} from './identity.js';
export { sealIdentity, openIdentity, keyBundleVersion, type KeyBundleFailure } from './key-bundle.js';
export { newEpochKey, sealEpochKey, openEpochKey, sealedEpochKeyHeader, type EpochKeyFailure, type OpenedEpochKey } from './epoch-key.js';
export { membersHash, canonicalMembers, type Member } from './members.js';
export {
  sealGroupEpochKey,
  openGroupEpochKey,
  readGroupEpochKeyHeader,
  GROUP_EPOCH_KEY_PREFIX,
  GROUP_EPOCH_KEY_BYTES,
  GROUP_EPOCH_KEY_CHARS,
  type GroupEpochKeyHeader,
  type GroupEpochKeyFailure,
} from './group-epoch-key.js';
export { sealVault, openVault } from './vault.js';
export {
  signMembershipChange,
  decodeMembershipChange,
  membershipChangeHash,
  newGroupId,
  sameHead,
  validGroupName,
  GENESIS_PREV,
  GROUP_ID_BYTES,
  GROUP_NAME_MAX_CHARS,
  MAX_CHANGE_TARGETS,
  MAX_GROUP_MEMBERS,
  MEMBERSHIP_CHANGE_PREFIX,
  type ChangeAction,
  type ChangeTarget,
  type HistorySetting,
  type MembershipChange,
  type Role,
} from './membership.js';
export { verifyChain, applyChange, compareClaimedMembers, epochFitsChain, type ChainFailure, type ChainOutcome, type GroupState } from './membership-chain.js';
export { SEARCH_KEY_PREFIX, blindToken, newSearchKey, openEntry, openSearchKey, sealEntry, sealSearchKey, searchKeys, type SearchKeys } from './search.js';
export {
  encryptMessage,
  decryptMessage,
  envelopeConversationId,
  envelopeHeader,
  MAX_PLAINTEXT_BYTES,
  maxPlaintextBytes,
  BODY_MAX_LENGTH,
  ENVELOPE_OVERHEAD_BYTES,
  type MessageContext,
  type DecryptFailure,
  type DecryptResult,
} from './envelope.js';
export {
  sealGroupEnvelope,
  openGroupEnvelope,
  isGroupEnvelopeShaped,
  groupEnvelopeHeader,
  GROUP_ENVELOPE_PREFIX,
  GROUP_ENVELOPE_OVERHEAD_BYTES,
  MAX_GROUP_PLAINTEXT_BYTES,
  MIN_GROUP_ENVELOPE_LENGTH,
  type GroupEpoch,
  type GroupDecryptFailure,
  type GroupDecryptResult,
} from './group-envelope.js';
export {
  fingerprint,
  safetyNumber,
  formatDigits,
  rememberContact,
  checkContactKeys,
  type ContactRecord,
  type ContactKeyStatus,
} from './safety-number.js';
export type { Outcome } from './result.js';
export type { Rng } from './random.js';

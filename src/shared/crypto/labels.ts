// Every domain-separation label Parley's crypto uses, in one place so their uniqueness can be checked at a glance.

/**
 * Each label is used in exactly one role (one HKDF info, one associated data, one signed transcript),
 * so a value made for one purpose can never be accepted for another. The `v1` is the format version:
 * a new format gets new labels.
 */
export const LABELS = {
  authKey: 'parley/v1/kdf/auth-key',
  wrapKey: 'parley/v1/kdf/wrap-key',
  fakeSalt: 'parley/v1/kdf/fake-salt',
  /** v2 descriptors: the argon2id salt, bound to the server's realm and the username. */
  kdfSalt: 'parley/v2/kdf/salt',
  /** The server's realm id, from its secret. */
  realm: 'parley/v2/realm',
  keyBundle: 'parley/v1/key-bundle',
  publicIdentity: 'parley/v1/public-identity',
  epochKeyWrap: 'parley/v1/epoch-key/wrap',
  epochKeyAad: 'parley/v1/epoch-key/aad',
  epochKeySignature: 'parley/v1/epoch-key/signature',
  messageAad: 'parley/v1/message/aad',
  messageSignature: 'parley/v1/message/signature',
  fingerprint: 'parley/v1/fingerprint',
  members: 'parley/v2/members',
  epochKeyWrapV2: 'parley/v2/epoch-key/wrap',
  epochKeyAadV2: 'parley/v2/epoch-key/aad',
  epochKeySignatureV2: 'parley/v2/epoch-key/signature',
  messageAadV2: 'parley/v2/message/aad',
  messageSignatureV2: 'parley/v2/message/signature',
  vaultKey: 'parley/v2/vault/key',
  vaultAad: 'parley/v2/vault/aad',
  /** The device's search index (docs/search.md): its key is sealed under a key derived from the wrap key. */
  searchKeyWrap: 'parley/v1/search/key-wrap',
  searchKeyAad: 'parley/v1/search/key-aad',
  searchTextKey: 'parley/v1/search/text-key',
  searchTokenKey: 'parley/v1/search/token-key',
  searchTextAad: 'parley/v1/search/text-aad',
  /** A group's membership chain (docs/groups.md): the transcript each change's actor signs, and the hash that links the next. */
  membershipSignature: 'parley/v1/membership/signature',
  membershipHash: 'parley/v1/membership/hash',
  /** ek3: a group epoch key copy, bound to the membership chain's state (length, head, membersHash) and naming no member list. */
  groupEpochKeyWrap: 'parley/v3/epoch-key/wrap',
  groupEpochKeyAad: 'parley/v3/epoch-key/aad',
  groupEpochKeySignature: 'parley/v3/epoch-key/signature',
  /** p3: a group message envelope, with a commitment to the epoch key in its signed associated data. */
  groupMessageAad: 'parley/v3/message/aad',
  groupMessageSignature: 'parley/v3/message/signature',
  groupMessageKeyCommitment: 'parley/v3/message/key-commitment',
} as const;

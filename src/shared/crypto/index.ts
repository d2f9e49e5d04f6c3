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
export { sealIdentity, openIdentity, type KeyBundleFailure } from './key-bundle.js';
export { newEpochKey, sealEpochKey, openEpochKey, type EpochKeyFailure } from './epoch-key.js';
export {
  encryptMessage,
  decryptMessage,
  MAX_PLAINTEXT_BYTES,
  ENVELOPE_OVERHEAD_BYTES,
  type MessageContext,
  type DecryptFailure,
  type DecryptResult,
} from './envelope.js';
export {
  fingerprint,
  safetyNumber,
  formatDigits,
  rememberContact,
  checkContactKeys,
  type ContactRecord,
  type ContactKeyStatus,
} from './safety-number.js';
export { checkVectors, type VectorSet, type VectorReport } from './vectors.js';
export type { Outcome } from './result.js';
export type { Rng } from './random.js';

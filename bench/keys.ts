// End-to-end keys for benchmark accounts: an identity derived from the username, so a run (or a later one that
// copies the template data folder) can sign group changes as any of its accounts without storing private keys.
import { randomBytes } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { encodePublicIdentity, identityFromSecrets, KDF_DEFAULT, newSalt, sealIdentity, toBase64url, type Identity } from '../src/shared/crypto/index.js';

/**
 * Anyone who knows the username knows these keys: they are for throw-away accounts on a loopback server a
 * benchmark starts, never for anything else.
 */
export function benchIdentity(username: string): Identity {
  return identityFromSecrets(1, sha256(utf8ToBytes(`parley-bench/x25519/${username}`)), sha256(utf8ToBytes(`parley-bench/ed25519/${username}`)));
}

/** The key fields of a `register` request (salt, kdf, publicIdentity, keyBundle) for a benchmark account. */
export function registrationKeys(username: string): Record<string, unknown> {
  const identity = benchIdentity(username);
  return {
    salt: toBase64url(newSalt()),
    kdf: { ...KDF_DEFAULT },
    publicIdentity: encodePublicIdentity(identity, username),
    // Sealed with a key nobody keeps: the server stores the bundle and never opens it.
    keyBundle: sealIdentity({ identity, username, wrapKey: randomBytes(32) }),
  };
}

// An account as a Parley client from before KDF v2 made it (argon2id m=19 MiB, t=2 over the stored salt, no realm).
import { deriveKeys, encodePublicIdentity, generateIdentity, KDF_V1, newSalt, sealIdentity, toBase64url } from '../../src/shared/crypto/index.js';
import { TestClient } from './client.js';

/** Registers over the bare protocol and stays logged in; `salt` is the stored v1 salt. */
export async function v1Account(url: string, username: string, password: string): Promise<{ client: TestClient; salt: string }> {
  const client = await TestClient.connect(url);
  const salt = newSalt();
  const derived = await deriveKeys({ username, password, salt, kdf: KDF_V1 });
  if (!derived.ok) throw new Error(derived.reason);
  const identity = generateIdentity();
  await client.request('register', {
    type: 'register',
    username,
    password: toBase64url(derived.authKey),
    salt: toBase64url(salt),
    kdf: { ...KDF_V1 },
    publicIdentity: encodePublicIdentity(identity, username),
    keyBundle: sealIdentity({ identity, username, wrapKey: derived.wrapKey }),
  });
  return { client, salt: toBase64url(salt) };
}

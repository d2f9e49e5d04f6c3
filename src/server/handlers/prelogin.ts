// prelogin: the salt, argon2id parameters and realm a client derives its keys with; a stable fake for unknown usernames.
import { fakeSalt, KDF_DEFAULT, realmOf, toBase64url } from '../../shared/crypto/index.js';
import { USERNAME_PATTERN } from '../../shared/protocol.js';
import type { Handler } from '../context.js';

export const prelogin: Handler<'prelogin'> = {
  needsSession: false,
  async handle(request, { services, conn }) {
    const { store, rateLimits } = services;
    // Per address: each answer is cheap, but without a limit one address could walk through usernames at full speed.
    await rateLimits.prelogin(conn.address);
    const userId = USERNAME_PATTERN.test(request.username) ? await store.findUserIdByName(request.username) : undefined;
    const mine = userId === undefined ? undefined : await store.userKeys(userId);
    const secret = await store.serverSecret();
    const realm = realmOf(secret);
    if (mine) return { salt: mine.salt, kdf: mine.kdf, realm };
    // The same answer every time, shaped like a new (v2) account, so prelogin alone does not tell who has one.
    return { salt: toBase64url(fakeSalt(secret, request.username)), kdf: { ...KDF_DEFAULT }, realm };
  },
};

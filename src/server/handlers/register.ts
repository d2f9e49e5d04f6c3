// register: create an account with an argon2id-hashed password and log the connection in.
import { ParleyError } from '../../shared/errors.js';
import { parseKdfDescriptor, parsePublicIdentity } from '../../shared/crypto/index.js';
import { requirePasswordRule } from '../../shared/password-rule.js';
import type { RequestOf } from '../../shared/protocol.js';
import type { UserKeys } from '../store/store.js';
import type { Handler } from '../context.js';
import { newSession, signIn } from '../session-lifecycle.js';

/**
 * The auth key a Parley client derives from the password and sends in its place (32 bytes, base64url
 * without padding). An account with end-to-end keys must never get a hash of the password itself: a
 * client that sent the raw password would hand it to the server.
 */
const AUTH_KEY = /^[A-Za-z0-9_-]{43}$/;

export function checkAuthKey(password: string, field: string): void {
  if (!AUTH_KEY.test(password)) {
    throw new ParleyError('INVALID_KEYS', `An account with end-to-end keys takes the client's 43-character auth key as ${field}, never the password itself.`);
  }
}

/** The end-to-end key material of a registration: all four fields or none (a client from before encryption). */
function keysOf(request: RequestOf<'register'>): UserKeys | undefined {
  const { salt, kdf, publicIdentity, keyBundle } = request;
  if (salt === undefined && kdf === undefined && publicIdentity === undefined && keyBundle === undefined) return undefined;
  if (salt === undefined || kdf === undefined || publicIdentity === undefined || keyBundle === undefined) {
    throw new ParleyError('INVALID_KEYS', 'salt, kdf, publicIdentity and keyBundle go together.');
  }
  if (!parseKdfDescriptor(kdf)) throw new ParleyError('INVALID_KEYS', 'The key derivation parameters are out of bounds.');
  const parsed = parsePublicIdentity(publicIdentity, request.username);
  if (!parsed.ok || parsed.identity.keyVersion !== 1) throw new ParleyError('INVALID_KEYS', 'The public identity is not valid for this username.');
  return { salt, kdf, publicIdentity, keyBundle };
}

export const register: Handler<'register'> = {
  needsSession: false,
  guestOnly: true,
  async handle(request, ctx) {
    requirePasswordRule(request.password);
    const keys = keysOf(request);
    if (keys) checkAuthKey(request.password, 'password');
    if (!keys && !ctx.services.config.allowUnencrypted) {
      throw new ParleyError('E2E_REQUIRED', 'This server requires end-to-end encryption: register with a Parley client, which makes your keys.');
    }
    const { store, passwords, log, rateLimits } = ctx.services;
    const { token, session: firstSession } = newSession(ctx, request.device);
    // Counted before the hash, one registration at a time per address; one that creates nothing is not counted.
    const { user, session } = await rateLimits.register(ctx.conn.address, async () => {
      if (await store.findUserIdByName(request.username)) {
        throw new ParleyError('USERNAME_TAKEN', 'That username is taken. Choose another.');
      }
      const hash = await passwords.hash(request.password);
      // The account, its keys and its first session commit together: a failure leaves nothing, so a retry can succeed.
      return store.register({ username: request.username, passwordHash: hash, now: ctx.services.now(), keys, session: firstSession });
    });
    log.info({ userId: user.id }, 'account registered');
    return signIn(ctx, user, session.id, token);
  },
};

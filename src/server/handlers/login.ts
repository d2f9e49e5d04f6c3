// login: check the password against its argon2id hash and start a new session (one per device).
import { ParleyError } from '../../shared/errors.js';
import { USERNAME_PATTERN } from '../../shared/protocol.js';
import type { Handler } from '../context.js';
import { startSession } from './session.js';

export const login: Handler<'login'> = {
  needsSession: false,
  async handle(request, ctx) {
    if (ctx.conn.session) throw new ParleyError('ALREADY_AUTHENTICATED', 'This connection is already logged in; log out first.');
    const { store, passwords, rateLimits, metrics } = ctx.services;
    await rateLimits.checkLogin(request.username, ctx.conn.address).catch((error: unknown) => {
      metrics.login('rate_limited');
      throw error;
    });
    const user = USERNAME_PATTERN.test(request.username) ? await store.findUserByName(request.username) : undefined;
    // The same error, and the same hashing time, whether the username exists or the password is wrong.
    if (!(await passwords.verify(user?.passwordHash, request.password)) || !user) {
      ctx.conn.log.info('login failed');
      await rateLimits.loginFailed(request.username, ctx.conn.address);
      metrics.login('failed');
      throw new ParleyError('AUTH_FAILED', 'Wrong username or password.');
    }
    await rateLimits.loginSucceeded(request.username);
    metrics.login('ok');
    const info = await startSession(ctx, user, request.device);
    const keys = ctx.services.keys.userKeys(user.id);
    return keys ? { ...info, keyBundle: keys.keyBundle, publicIdentity: keys.publicIdentity, oldKeyBundles: keys.oldKeyBundles } : info;
  },
};

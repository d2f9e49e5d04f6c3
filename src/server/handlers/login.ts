// login: check the password against its argon2id hash and start a new session (one per device).
import { ParleyError } from '../../shared/errors.js';
import { USERNAME_PATTERN } from '../../shared/protocol.js';
import type { Handler } from '../context.js';
import { startSession } from '../session-lifecycle.js';

export const login: Handler<'login'> = {
  needsSession: false,
  guestOnly: true,
  async handle(request, ctx) {
    const { store, passwords, rateLimits, metrics } = ctx.services;
    // The point is taken before argon2 runs and the check waits its turn (one per account and per address), so a
    // burst of guesses sent at once is held to the limit like guesses sent one by one.
    const user = await rateLimits
      .passwordCheck(
        request.username,
        ctx.conn.address,
        async () => {
          const found = USERNAME_PATTERN.test(request.username) ? await store.findUserByName(request.username) : undefined;
          // The same error, and the same hashing time, whether the username exists or the password is wrong.
          return (await passwords.verify(found?.passwordHash, request.password)) ? found : undefined;
        },
        'clear',
      )
      .catch((error: unknown) => {
        if (error instanceof ParleyError && error.code === 'RATE_LIMITED') metrics.login('rate_limited');
        throw error;
      });
    if (!user) {
      ctx.conn.log.info('login failed');
      metrics.login('failed');
      throw new ParleyError('AUTH_FAILED', 'Wrong username or password.');
    }
    metrics.login('ok');
    const info = await startSession(ctx, user, request.device);
    const keys = await store.userKeys(user.id);
    return keys ? { ...info, keyBundle: keys.keyBundle, publicIdentity: keys.publicIdentity, oldKeyBundles: keys.oldKeyBundles } : info;
  },
};

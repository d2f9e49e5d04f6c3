// register: create an account with an argon2id-hashed password and log the connection in.
import { ParleyError } from '../../shared/errors.js';
import { LIMITS } from '../../shared/protocol.js';
import type { Handler } from '../context.js';
import { startSession } from './session.js';

export function checkPassword(password: string): void {
  if (password.length < LIMITS.passwordMinLength) {
    throw new ParleyError('WEAK_PASSWORD', `The password is too short: use at least ${LIMITS.passwordMinLength} characters.`);
  }
  if (password.length > LIMITS.passwordMaxLength) {
    throw new ParleyError('WEAK_PASSWORD', `The password is too long: use at most ${LIMITS.passwordMaxLength} characters.`);
  }
}

export const register: Handler<'register'> = {
  needsSession: false,
  async handle(request, ctx) {
    if (ctx.conn.session) throw new ParleyError('ALREADY_AUTHENTICATED', 'This connection is already logged in; log out first.');
    checkPassword(request.password);
    const { store, passwords, log, rateLimits } = ctx.services;
    const refund = await rateLimits.register(ctx.conn.address);
    let user;
    try {
      if (await store.findUserIdByName(request.username)) {
        throw new ParleyError('USERNAME_TAKEN', 'That username is taken. Choose another.');
      }
      const hash = await passwords.hash(request.password);
      user = await store.createUser(request.username, hash, ctx.services.now());
    } catch (error) {
      await refund();
      throw error;
    }
    log.info({ userId: user.id }, 'account registered');
    return startSession(ctx, user, request.device);
  },
};

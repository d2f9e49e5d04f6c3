// changePassword: prove the old auth key, then replace hash, salt, parameters and sealed keys in one transaction.
import { ParleyError } from '../../shared/errors.js';
import { parseKdfDescriptor } from '../../shared/crypto/index.js';
import { type Handler, sessionOf } from '../context.js';

export const changePassword: Handler<'changePassword'> = {
  needsSession: true,
  async handle(request, ctx) {
    const session = sessionOf(ctx);
    const { store, keys, passwords, log } = ctx.services;
    if (!parseKdfDescriptor(request.kdf)) throw new ParleyError('INVALID_KEYS', 'The key derivation parameters are out of bounds.');
    const user = await store.findUserByName(session.username);
    if (!(await passwords.verify(user?.passwordHash, request.password)) || !user) {
      throw new ParleyError('AUTH_FAILED', 'The current password is wrong.');
    }
    const hash = await passwords.hash(request.newPassword);
    keys.changePassword(user.id, session.sessionId, hash, request.salt, request.kdf, request.keyBundle);
    log.info({ userId: user.id }, 'password changed');
    return {};
  },
};

// myKeys: the caller's sealed key bundle and salt, to unlock the keys again after a resume (reload, restart).
import { ParleyError } from '../../shared/errors.js';
import { type Handler, sessionOf } from '../context.js';

export const myKeys: Handler<'myKeys'> = {
  needsSession: true,
  async handle(_request, ctx) {
    const mine = await ctx.services.store.userKeys(sessionOf(ctx).userId);
    if (!mine) throw new ParleyError('NO_KEYS', 'This account was made before end-to-end encryption and has no keys.');
    return mine;
  },
};

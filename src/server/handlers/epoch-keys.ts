// epochKeys: the caller's sealed copies of a conversation's keys, every epoch (a new device reads all history).
import { ParleyError } from '../../shared/errors.js';
import { type Handler, sessionOf } from '../context.js';

export const epochKeys: Handler<'epochKeys'> = {
  needsSession: true,
  async handle(request, ctx) {
    const { userId } = sessionOf(ctx);
    const { store } = ctx.services;
    if (!(await store.peersOf(userId, request.conversationId))) {
      throw new ParleyError('CONVERSATION_NOT_FOUND', 'That conversation does not exist or you are not in it.');
    }
    return { epochs: await store.epochKeys(userId, request.conversationId) };
  },
};

// epochKeys: the caller's sealed copies of a conversation's keys, every epoch (a new device reads all history).
import { ParleyError } from '../../shared/errors.js';
import { type Handler, sessionOf } from '../context.js';

export const epochKeys: Handler<'epochKeys'> = {
  needsSession: true,
  async handle(request, ctx) {
    const { userId } = sessionOf(ctx);
    const { store } = ctx.services;
    // A member who left or was removed still reads what they could read: their copies, all made while they
    // were a member (no later epoch is sealed to them), so up to their removal.
    const member = (await store.peersOf(userId, request.conversationId)) ?? (await store.groupView(userId, request.conversationId));
    if (!member) throw new ParleyError('CONVERSATION_NOT_FOUND');
    return { epochs: await store.epochKeys(userId, request.conversationId) };
  },
};

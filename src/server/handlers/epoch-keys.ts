// epochKeys: the caller's sealed copies of a conversation's keys, every epoch (a new device reads all history).
import { type Handler, sessionOf } from '../context.js';
import { requirePeers } from '../lookups.js';

export const epochKeys: Handler<'epochKeys'> = {
  needsSession: true,
  async handle(request, ctx) {
    const { userId } = sessionOf(ctx);
    const { store } = ctx.services;
    await requirePeers(store, userId, request.conversationId);
    return { epochs: await store.epochKeys(userId, request.conversationId) };
  },
};

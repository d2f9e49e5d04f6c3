// conversations: the caller's conversations, newest first, with last message and unread count.
import { type Handler, sessionOf } from '../context.js';

export const conversations: Handler<'conversations'> = {
  needsSession: true,
  async handle(_request, ctx) {
    return { conversations: await ctx.services.store.conversations(sessionOf(ctx).userId) };
  },
};

// sync: everything after the client's cursor, in order, a page at a time (reconnects, new devices).
import { type Handler, sessionOf } from '../context.js';

const DEFAULT_LIMIT = 200;

export const sync: Handler<'sync'> = {
  needsSession: true,
  async handle(request, ctx) {
    const session = sessionOf(ctx);
    const limit = request.limit ?? DEFAULT_LIMIT;
    const rows = await ctx.services.store.messagesAfter(session.userId, request.after, limit + 1);
    const more = rows.length > limit;
    const messages = more ? rows.slice(0, limit) : rows;
    ctx.services.metrics.delivery.messagesSynced(messages.length);
    return { messages, cursor: messages.at(-1)?.cursor ?? request.after, more };
  },
};

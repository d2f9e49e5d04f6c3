// history: a page of older messages before a seq, oldest first, for scrolling back.
import { type Handler, sessionOf } from '../context.js';
import { requirePeers } from '../lookups.js';

const DEFAULT_LIMIT = 50;

export const history: Handler<'history'> = {
  needsSession: true,
  async handle(request, ctx) {
    const { store } = ctx.services;
    await requirePeers(store, sessionOf(ctx).userId, request.conversationId);
    const limit = request.limit ?? DEFAULT_LIMIT;
    const rows = await store.history(request.conversationId, request.before, limit + 1);
    const more = rows.length > limit;
    return { messages: more ? rows.slice(1) : rows, more };
  },
};

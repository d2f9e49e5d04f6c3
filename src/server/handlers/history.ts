// history: a page of older messages before a seq, oldest first, for scrolling back; in a group, within the caller's window.
import { ParleyError } from '../../shared/errors.js';
import { type Handler, sessionOf } from '../context.js';

const DEFAULT_LIMIT = 50;

export const history: Handler<'history'> = {
  needsSession: true,
  async handle(request, ctx) {
    const { store } = ctx.services;
    const userId = sessionOf(ctx).userId;
    const limit = request.limit ?? DEFAULT_LIMIT;
    const group = await store.groupView(userId, request.conversationId);
    if (!group) {
      if (!(await store.peersOf(userId, request.conversationId))) throw new ParleyError('CONVERSATION_NOT_FOUND');
      const rows = await store.history(request.conversationId, request.before, limit + 1);
      const more = rows.length > limit;
      return { messages: more ? rows.slice(1) : rows, more };
    }
    // A member reads from their joining (or the start, when the group shares its history) to their leaving.
    const { afterSeq, upToSeq } = group.window;
    const before = Math.min(request.before ?? Number.MAX_SAFE_INTEGER, (upToSeq ?? Number.MAX_SAFE_INTEGER - 1) + 1);
    const rows = (await store.history(request.conversationId, before, limit + 1)).filter((m) => m.seq > afterSeq);
    const more = rows.length > limit;
    return { messages: more ? rows.slice(1) : rows, more };
  },
};

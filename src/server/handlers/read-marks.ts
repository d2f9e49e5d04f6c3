// readMarks: how far each current member of a group has read, for "seen by" with names.
import { ParleyError } from '../../shared/errors.js';
import { type Handler, sessionOf } from '../context.js';

export const readMarks: Handler<'readMarks'> = {
  needsSession: true,
  async handle(request, ctx) {
    const session = sessionOf(ctx);
    const { store } = ctx.services;
    const view = await store.groupView(session.userId, request.conversationId);
    if (!view || view.role === null) throw new ParleyError('CONVERSATION_NOT_FOUND');
    return { marks: await store.readMarks(request.conversationId) };
  },
};

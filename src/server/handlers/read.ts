// read: move the caller's read marker; their other devices update unread counts, the peer sees "seen".
import { ParleyError } from '../../shared/errors.js';
import { type Handler, sessionOf } from '../context.js';

export const read: Handler<'read'> = {
  needsSession: true,
  async handle(request, ctx) {
    const session = sessionOf(ctx);
    const { store, hub } = ctx.services;
    const result = await store.markRead(session.userId, request.conversationId, request.seq);
    if (!result) throw new ParleyError('CONVERSATION_NOT_FOUND');
    if (result.changed) {
      ctx.afterReply(() => {
        const frame = JSON.stringify({
          type: 'read',
          conversationId: request.conversationId,
          username: session.username,
          seq: result.readSeq,
        });
        hub.sendToUser(session.userId, frame, ctx.conn.client ?? undefined);
        for (const peer of result.memberIds) hub.sendToUser(peer, frame);
      });
    }
    return { readSeq: result.readSeq };
  },
};

// send: store a direct message exactly once (group commit), ack it, then push it to both users' sessions.
import { type Handler, sessionOf } from '../context.js';
import { userNotFound } from './users.js';

export const send: Handler<'send'> = {
  needsSession: true,
  handle: (request, ctx) => new Promise((ok, fail) => send.handleNow!(request, ctx, { ok, fail })),
  // Callbacks rather than promises: this runs for every message, and the acks and pushes of one
  // group commit are then all written in the turn of the commit.
  handleNow(request, ctx, reply) {
    const session = sessionOf(ctx);
    const { committer, hub } = ctx.services;
    const conn = ctx.conn;
    // Enqueued synchronously: a connection's sends enter the batch in the order they arrived.
    committer.enqueue(
      { senderId: session.userId, from: session.username, to: request.to, clientMsgId: request.clientMsgId, body: request.body, ts: ctx.services.now() },
      (error, result) => {
        if (error !== undefined || result === undefined) return reply.fail(error);
        if (!result.message) return reply.fail(userNotFound(request.to));
        const { message, duplicate, recipientId } = result;
        const { clientMsgId, conversationId, seq, cursor, ts } = message;
        reply.ok({ clientMsgId, conversationId, seq, cursor, ts });
        // A resend already reached everyone (or they will sync it): it gets the original ack and no second push.
        if (duplicate) return;
        // Serialized once for every session it goes to; pushed after the ack (DESIGN.md, delivery step 2).
        const frame = JSON.stringify({ type: 'message', message });
        hub.sendToUser(recipientId, frame);
        if (recipientId !== session.userId) hub.sendToUser(session.userId, frame, conn.client ?? undefined);
      },
    );
  },
};

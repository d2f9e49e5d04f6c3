// send: store a direct message exactly once (group commit), ack it, then push it to both users' sessions.
import { ParleyError } from '../../shared/errors.js';
import { type Handler, sessionOf } from '../context.js';
import { userNotFound } from './users.js';

export const send: Handler<'send'> = {
  needsSession: true,
  async handle(request, ctx) {
    const session = sessionOf(ctx);
    const { committer, hub, config, rateLimits, metrics, now } = ctx.services;
    if (request.body.length > config.maxMessageLength) {
      throw new ParleyError('MESSAGE_TOO_LONG', `The message is too long: at most ${config.maxMessageLength} characters.`);
    }
    // The limiter releases a user's sends in arrival order (null when message limits are off); nothing
    // else is awaited before submit, so a connection's sends enter the batch in the order they arrived.
    const allowed = rateLimits.message(session.userId);
    if (allowed) await allowed;
    const result = await committer.submit({
      senderId: session.userId,
      from: session.username,
      to: request.to,
      clientMsgId: request.clientMsgId,
      body: request.body,
      ts: ctx.services.now(),
    });
    if (!result.message) throw userNotFound(request.to);
    const { message, duplicate, recipientId } = result;
    // A resend already reached everyone (or they will sync it): it gets the original ack and no second push.
    if (!duplicate) {
      metrics.messageStored();
      ctx.afterReply(() => {
        const frame = JSON.stringify({ type: 'message', message });
        let pushed = hub.sendToUser(recipientId, frame);
        if (recipientId !== session.userId) pushed += hub.sendToUser(session.userId, frame, ctx.conn.client ?? undefined);
        metrics.messagePushed(pushed, now() - message.ts);
      });
    }
    const { clientMsgId, conversationId, seq, cursor, ts } = message;
    return { clientMsgId, conversationId, seq, cursor, ts };
  },
};

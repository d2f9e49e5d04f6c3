// send: store a direct message exactly once (group commit), ack it, then push it to both users' sessions.
import { ParleyError } from '../../shared/errors.js';
import type { QueuedMessage } from '../committer.js';
import { type Handler, type HandlerContext, type Reply, sessionOf } from '../context.js';
import { messageFrame, sendAckFrame } from '../frames.js';
import type { AppendResult } from '../store/store.js';
import { envelopeConversationId, isEnvelopeShaped } from '../../shared/crypto/envelope.js';
import { userNotFound } from './users.js';

export const send: Handler<'send'> = {
  needsSession: true,
  handle: (request, ctx) => new Promise((ok, fail) => send.handleNow!(request, ctx, { ok, fail })),
  // Callbacks rather than promises: this runs for every message, and the acks and pushes of one
  // group commit are then all written in the turn of the commit.
  handleNow(request, ctx, reply) {
    const session = sessionOf(ctx);
    const { config, committer, rateLimits, now } = ctx.services;
    if (!config.allowUnencrypted && !isEnvelopeShaped(request.body)) {
      throw new ParleyError('E2E_REQUIRED', 'This server relays only end-to-end encrypted messages: send with a Parley client.');
    }
    // An envelope is bound to its conversation; the store checks it against the one it would go to.
    const conversationId = config.allowUnencrypted ? undefined : envelopeConversationId(request.body);
    if (request.body.length > config.maxMessageLength) {
      throw new ParleyError('MESSAGE_TOO_LONG', `The message is too long: at most ${config.maxMessageLength} characters.`);
    }
    const message = new QueuedSend(session.userId, session.username, request.to, request.clientMsgId, request.body, now(), conversationId, ctx, reply);
    // The limiter releases a user's sends in arrival order (null when message limits are off); nothing
    // else is awaited before the enqueue, so a connection's sends enter the batch in the order they arrived.
    const allowed = rateLimits.message(session.userId);
    if (allowed) allowed.then(() => committer.enqueue(message), (error: unknown) => reply.fail(error));
    else committer.enqueue(message);
  },
};

/** One send from its arrival to its ack and pushes: the message the store appends, and what to do once it is committed. */
class QueuedSend implements QueuedMessage {
  constructor(
    readonly senderId: number,
    readonly from: string,
    readonly to: string,
    readonly clientMsgId: string,
    readonly body: string,
    readonly ts: number,
    readonly conversationId: number | undefined,
    private readonly ctx: HandlerContext,
    private readonly reply: Reply<'send'>,
  ) {}

  committed(error: unknown, result: AppendResult | undefined): void {
    const { reply } = this;
    if (error !== undefined || result === undefined) return reply.fail(error);
    if (!result.message) {
      if (result.misdirected) {
        return reply.fail(new ParleyError('CONVERSATION_MISMATCH', `This message was encrypted for another conversation than the one with ${this.to}; nothing was stored.`));
      }
      return reply.fail(userNotFound(this.to));
    }
    const { message: stored, duplicate, recipientId } = result;
    if (reply.okText && reply.requestId !== undefined) reply.okText(sendAckFrame(reply.requestId, stored));
    else reply.ok({ clientMsgId: stored.clientMsgId, conversationId: stored.conversationId, seq: stored.seq, cursor: stored.cursor, ts: stored.ts });
    // A resend already reached everyone (or they will sync it): it gets the original ack and no second push.
    if (duplicate) return;
    const { hub, metrics, now } = this.ctx.services;
    metrics.messageStored();
    // Serialized once for every session it goes to; pushed after the ack (docs/architecture.md, the delivery model).
    const frame = messageFrame(stored);
    let pushed = hub.sendToUser(recipientId, frame);
    if (recipientId !== this.senderId) pushed += hub.sendToUser(this.senderId, frame, this.ctx.conn.client ?? undefined);
    metrics.messagePushed(pushed, now() - stored.ts);
    // The first message of a conversation may have created it: from now on the two see each other's presence
    // (a conversation made by `open` was linked there). Later messages cost nothing here.
    if (stored.seq === 1) hub.link(this.senderId, recipientId);
  }
}

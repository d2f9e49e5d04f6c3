// typing: a short-lived hint to the other member; never stored.
import { type Handler, sessionOf } from '../context.js';
import { requirePeers } from '../lookups.js';

export const typing: Handler<'typing'> = {
  needsSession: true,
  async handle(request, ctx) {
    const session = sessionOf(ctx);
    await ctx.services.requestLimits.typing(session.userId);
    const peers = await requirePeers(ctx.services.store, session.userId, request.conversationId);
    const stopped = request.active === false ? { active: false } : {};
    const frame = JSON.stringify({ type: 'typing', conversationId: request.conversationId, username: session.username, ...stopped });
    ctx.afterReply(() => {
      for (const peer of peers) ctx.services.hub.sendToUser(peer, frame);
    });
    return {};
  },
};

// open: the direct conversation with any registered user, online or not, created on first use.
import { type Handler, sessionOf } from '../context.js';
import { requireUserId } from '../lookups.js';

export const open: Handler<'open'> = {
  needsSession: true,
  async handle(request, ctx) {
    const session = sessionOf(ctx);
    const { store, now } = ctx.services;
    const peerId = await requireUserId(store, request.with);
    const id = await store.openDirect(session.userId, peerId, now());
    const conversation = await store.conversation(session.userId, id);
    if (!conversation) throw new Error('conversation missing right after open');
    // After the reply, so the client knows the conversation before the peer's presence arrives.
    ctx.afterReply(() => ctx.services.hub.link(session.userId, peerId));
    return { conversation };
  },
};

// addEpoch: store a new conversation key sealed to every member, atomically, and hand each member their copy.
import { ParleyError } from '../../shared/errors.js';
import { type Handler, sessionOf } from '../context.js';
import type { SealedFor } from '../store/keys.js';

export const addEpoch: Handler<'addEpoch'> = {
  needsSession: true,
  async handle(request, ctx) {
    const session = sessionOf(ctx);
    const { store, keys, hub, now } = ctx.services;
    const peers = await store.peersOf(session.userId, request.conversationId);
    if (!peers) throw new ParleyError('CONVERSATION_NOT_FOUND', 'That conversation does not exist or you are not in it.');
    const members = [session.userId, ...peers];
    const copies: SealedFor[] = [];
    const seen = new Set<number>();
    for (const key of request.keys) {
      const id = await store.findUserIdByName(key.recipient);
      const version = id === undefined ? undefined : keys.currentKeyVersion(id);
      if (id === undefined || version === undefined || !members.includes(id) || seen.has(id)) {
        throw new ParleyError('INVALID_KEYS', 'Each member needs exactly one sealed copy of the key.');
      }
      seen.add(id);
      copies.push({ recipientId: id, recipientKeyVersion: version, sealed: key.sealed });
    }
    if (seen.size !== members.length) throw new ParleyError('INVALID_KEYS', 'Each member needs exactly one sealed copy of the key.');
    if (!keys.addEpoch(request.conversationId, request.epoch, session.userId, copies, now())) {
      throw new ParleyError('EPOCH_CONFLICT', 'Another member added this key epoch first; fetch it with epochKeys.');
    }
    ctx.afterReply(() => {
      for (const [i, copy] of copies.entries()) {
        const frame = JSON.stringify({
          type: 'epoch',
          conversationId: request.conversationId,
          epoch: request.epoch,
          creator: session.username,
          sealed: request.keys[i]!.sealed,
        });
        hub.sendToUser(copy.recipientId, frame, copy.recipientId === session.userId ? (ctx.conn.client ?? undefined) : undefined);
      }
    });
    return { epoch: request.epoch };
  },
};

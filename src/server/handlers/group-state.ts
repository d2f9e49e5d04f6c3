// groupState: a page of a group's signed chain, for a member to verify; one who left reads it up to their leaving.
import { LIMITS } from '../../shared/protocol.js';
import { ParleyError } from '../../shared/errors.js';
import { type Handler, sessionOf } from '../context.js';

export const groupState: Handler<'groupState'> = {
  needsSession: true,
  async handle(request, ctx) {
    const session = sessionOf(ctx);
    const { store } = ctx.services;
    const view = await store.groupView(session.userId, request.conversationId);
    if (!view) throw new ParleyError('CONVERSATION_NOT_FOUND');
    const limit = request.limit ?? LIMITS.groupStateDefaultLimit;
    const last = view.leftIndex ?? view.chainLength - 1;
    const rows = await store.membershipLog(request.conversationId, request.fromIndex ?? 0, last, limit + 1);
    return {
      groupId: view.groupId,
      changes: rows.slice(0, limit).map(({ change, afterSeq }) => ({ change, afterSeq })),
      more: rows.length > limit,
      epoch: view.epoch,
    };
  },
};

// createGroup: a group from its creator's signed first change, verified before anything is stored; every member hears of it.
import { validGroupName } from '../../shared/crypto/index.js';
import { ParleyError } from '../../shared/errors.js';
import { type Handler, sessionOf } from '../context.js';
import { accountIds, decodeOwnChange, memberRows, pushMembership, rememberChain, storeRefusal, verifyStep } from './group-chain.js';

export const createGroup: Handler<'createGroup'> = {
  needsSession: true,
  async handle(request, ctx) {
    const session = sessionOf(ctx);
    const { store, hub, now } = ctx.services;
    await ctx.services.requestLimits.groupChange(session.userId);
    const decoded = decodeOwnChange(request.change, session.username, true);
    if (!validGroupName(decoded.change.name)) throw new ParleyError('INVALID_GROUP_NAME');
    const targets = decoded.change.targets;
    const ids = await accountIds(store, targets.map((t) => t.username), new Map(targets.map((t) => [t.username, t.keyVersion])));
    const state = await verifyStep(store, undefined, decoded, request.change);
    const created = await store.createGroup({
      groupId: state.groupId,
      name: state.name,
      sharesHistory: state.settings.history === 'shared',
      members: memberRows(state, ids),
      change: request.change,
      now: now(),
    });
    if (typeof created === 'string') throw storeRefusal(created);
    const { conversationId } = created;
    rememberChain(store, conversationId, state);
    const conversation = await store.conversation(session.userId, conversationId);
    if (conversation?.kind !== 'group') throw new ParleyError('INTERNAL');
    ctx.afterReply(() => {
      const event = { conversationId, index: 0, change: request.change, afterSeq: 0 };
      pushMembership(hub, ids.values(), event, ctx.conn.client ?? undefined);
      for (const id of ids.values()) if (id !== session.userId) hub.link(session.userId, id);
    });
    return { conversation };
  },
};

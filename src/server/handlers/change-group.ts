// changeGroup: the next signed change of a group's chain, verified against the stored chain and the actor's published keys.
import { validGroupName } from '../../shared/crypto/index.js';
import { ParleyError } from '../../shared/errors.js';
import { type Handler, sessionOf } from '../context.js';
import { accountIds, decodeOwnChange, invalidMembership, memberRows, pushMembership, rememberChain, storedChain, storeRefusal, verifyStep } from './group-chain.js';

export const changeGroup: Handler<'changeGroup'> = {
  needsSession: true,
  async handle(request, ctx) {
    const session = sessionOf(ctx);
    const { store, hub, now } = ctx.services;
    const { conversationId } = request;
    await ctx.services.requestLimits.groupChange(session.userId);
    const view = await store.groupView(session.userId, conversationId);
    if (!view || view.role === null) throw new ParleyError('CONVERSATION_NOT_FOUND');
    const decoded = decodeOwnChange(request.change, session.username, false);
    const { change } = decoded;
    const before = await storedChain(store, conversationId);
    // Another change took this place first: the caller fetches it and makes theirs again.
    if (change.index < before.length) throw new ParleyError('MEMBERSHIP_CONFLICT');
    if (change.index > before.length) throw invalidMembership('it skips a place in the history');
    if (change.action === 'rename' && !validGroupName(change.name)) throw new ParleyError('INVALID_GROUP_NAME');
    const newcomers = change.action === 'add' ? new Map(change.targets.map((t) => [t.username, t.keyVersion])) : undefined;
    const state = await verifyStep(store, before, decoded, request.change);
    const ids = await accountIds(store, new Set([...before.members, ...state.members].map((m) => m.username)), newcomers);
    const appended = await store.appendMembershipChange({
      conversationId,
      index: change.index,
      change: request.change,
      members: memberRows(state, ids),
      name: state.name,
      sharesHistory: state.settings.history === 'shared',
      now: now(),
    });
    if (appended !== 'appended') throw storeRefusal(appended);
    rememberChain(store, conversationId, state);
    const [stored] = await store.membershipLog(conversationId, change.index, change.index, 1);
    ctx.afterReply(() => {
      // Everyone before and after it: a removed member learns of their removal.
      const event = { conversationId, index: change.index, change: request.change, afterSeq: stored?.afterSeq ?? 0 };
      pushMembership(hub, ids.values(), event, ctx.conn.client ?? undefined);
      if (change.action === 'add') for (const t of change.targets) for (const m of state.members) hub.link(ids.get(t.username)!, ids.get(m.username)!);
    });
    return { index: change.index };
  },
};

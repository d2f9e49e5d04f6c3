// addEpoch: store a new conversation key sealed to every member, atomically, and hand each member their copy.
import { ParleyError } from '../../shared/errors.js';
import { LIMITS, type RequestOf } from '../../shared/protocol.js';
import { type Handler, sessionOf } from '../context.js';
import { requirePeers } from '../lookups.js';
import type { SealedFor, Store } from '../store/store.js';
import { sealedEpochKeyHeader } from '../../shared/crypto/epoch-key.js';
import { groupEpochCopies, oneCopyEach } from './group-epoch.js';

const ONE_COPY_EACH = 'Each member needs exactly one sealed copy of the key.';

export const addEpoch: Handler<'addEpoch'> = {
  needsSession: true,
  async handle(request, ctx) {
    const session = sessionOf(ctx);
    const { store, hub, now } = ctx.services;
    await ctx.services.requestLimits.addEpoch(session.userId);
    const peers = await requirePeers(store, session.userId, request.conversationId);
    const group = await store.groupView(session.userId, request.conversationId);
    const at = now();
    const { copies, page } = group
      ? await groupEpochCopies(store, request, session.userId, { sharesHistory: group.sharesHistory, now: at })
      : { copies: await directCopies(store, request, [session.userId, ...peers]), page: undefined };
    const added = await store.addEpoch(request.conversationId, request.epoch, session.userId, copies, at, page);
    if (added === 'conflict') throw new ParleyError('EPOCH_CONFLICT', 'Another member added this key epoch first; fetch it with epochKeys.');
    if (added === 'stale-keys') throw new ParleyError('INVALID_KEYS', 'A member reset their keys just now; fetch their identity and seal the key again.');
    if (added === 'refused') throw oneCopyEach();
    // A pending group epoch is nobody's key yet: the events go out when its last frame completes it.
    const delivered = added === 'pending' ? [] : added === 'added' ? copies : added.completed;
    ctx.afterReply(() => {
      for (const copy of delivered) {
        const frame = JSON.stringify({
          type: 'epoch',
          conversationId: request.conversationId,
          epoch: request.epoch,
          creator: session.username,
          sealed: copy.sealed,
        });
        hub.sendToUser(copy.recipientId, frame, copy.recipientId === session.userId ? (ctx.conn.client ?? undefined) : undefined);
      }
    });
    return { epoch: request.epoch };
  },
};

/** A direct conversation's copies (`ek2.`, or `ek1.`), in one frame of at most 64, checked as far as the server can without keys. */
async function directCopies(store: Store, request: RequestOf<'addEpoch'>, members: readonly number[]): Promise<SealedFor[]> {
  if (request.more || request.keys.length > LIMITS.epochCopiesMax) throw new ParleyError('INVALID_KEYS', ONE_COPY_EACH);
  const copies: SealedFor[] = [];
  const seen = new Set<number>();
  /** (username, current key version) of every member, as an ek2 copy must name them. */
  const current = new Map<string, number>();
  for (const key of request.keys) {
    const id = await store.findUserIdByName(key.recipient);
    const version = id === undefined ? undefined : await store.currentKeyVersion(id);
    if (id === undefined || version === undefined || !members.includes(id) || seen.has(id)) {
      throw new ParleyError('INVALID_KEYS', ONE_COPY_EACH);
    }
    seen.add(id);
    current.set(key.recipient, version);
    copies.push({ recipientId: id, recipientKeyVersion: version, sealed: key.sealed });
  }
  if (seen.size !== members.length) throw new ParleyError('INVALID_KEYS', ONE_COPY_EACH);
  // What the server can check without keys: each copy names this conversation, this epoch and the
  // recipient's current key version, and (ek2) exactly the members at their current key versions.
  for (const [i, key] of request.keys.entries()) {
    const header = sealedEpochKeyHeader(key.sealed);
    const copy = copies[i]!;
    const wellFormed =
      header !== undefined &&
      header.conversationId === request.conversationId &&
      header.epoch === request.epoch &&
      header.recipientKeyVersion === copy.recipientKeyVersion &&
      (header.members === undefined ||
        (header.members.length === current.size && header.members.every((m) => current.get(m.username) === m.keyVersion)));
    if (!wellFormed) {
      throw new ParleyError('INVALID_KEYS', `The sealed key for ${key.recipient} is malformed or names another conversation, epoch, key version or member set.`);
    }
  }
  return copies;
}

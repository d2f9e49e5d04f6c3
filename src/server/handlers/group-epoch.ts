// addEpoch for a group: the server's checks of `ek3.` copies against the stored chain, before anything is stored.
import { readGroupEpochKeyHeader, sameHead } from '../../shared/crypto/index.js';
import { ParleyError } from '../../shared/errors.js';
import type { RequestOf } from '../../shared/protocol.js';
import type { GroupEpochPage, SealedFor, Store } from '../store/store.js';
import { storedChain } from './group-chain.js';

/** How long another member's unfinished paged epoch holds the next epoch number before it may be replaced. */
export const PENDING_EPOCH_MS = 60_000;

export const oneCopyEach = (): ParleyError => new ParleyError('INVALID_KEYS', 'Each member of the group needs exactly one sealed copy of the key.');

/**
 * One frame of a group epoch's copies, each an `ek3.` for a member of the stored chain whose clear header names
 * this conversation and epoch, its recipient at the key version the chain holds (their current one), the creator's
 * current key version, and the chain's length, head hash and membersHash as stored. A page of an epoch that a
 * membership change overtook is thereby refused (INVALID_KEYS): the creator makes one for the new chain. Whether
 * the frames add up to one copy per member is the store's check, in the frame's transaction.
 */
export async function groupEpochCopies(
  store: Store,
  request: RequestOf<'addEpoch'>,
  creatorId: number,
  group: { sharesHistory: boolean; now: number },
): Promise<{ copies: SealedFor[]; page: GroupEpochPage }> {
  const state = await storedChain(store, request.conversationId);
  const chainVersions = new Map(state.members.map((m) => [m.username, m.keyVersion]));
  const ids = new Map((await store.groupMembers(request.conversationId))?.map((m) => [m.username, m.userId]));
  const creatorVersion = await store.currentKeyVersion(creatorId);
  const copies: SealedFor[] = [];
  const seen = new Set<string>();
  for (const { recipient, sealed } of request.keys) {
    const expected = chainVersions.get(recipient);
    const id = expected === undefined || seen.has(recipient) ? undefined : ids.get(recipient);
    if (id === undefined) throw oneCopyEach();
    seen.add(recipient);
    const header = readGroupEpochKeyHeader(sealed);
    const fits =
      header !== null &&
      header.conversationId === request.conversationId &&
      header.epoch === request.epoch &&
      header.recipientKeyVersion === expected &&
      header.creatorKeyVersion === creatorVersion &&
      header.chainLength === state.length &&
      sameHead(header.head, state.head) &&
      sameHead(header.membersHash, state.membersHash);
    if (!fits) {
      throw new ParleyError('INVALID_KEYS', `The sealed key for ${recipient} is malformed or names another conversation, epoch, key version or group state.`);
    }
    copies.push({ recipientId: id, recipientKeyVersion: expected!, sealed });
  }
  const members = state.members.map((m) => ids.get(m.username)).filter((id) => id !== undefined);
  if (members.length !== chainVersions.size) throw new ParleyError('INTERNAL', 'The stored members do not match the stored group history.');
  const page = { more: request.more === true, members, chainLength: state.length, staleBefore: group.now - PENDING_EPOCH_MS, sharesHistory: group.sharesHistory };
  return { copies, page };
}

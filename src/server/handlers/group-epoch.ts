// addEpoch for a group: the server's checks of `ek3.` copies against the stored chain, before anything is stored.
import { readGroupEpochKeyHeader, sameHead } from '../../shared/crypto/index.js';
import { ParleyError } from '../../shared/errors.js';
import type { RequestOf } from '../../shared/protocol.js';
import type { SealedFor, Store } from '../store/store.js';
import { storedChain } from './group-chain.js';

/**
 * The copies of a group epoch, one for each member of the stored chain: each an `ek3.` whose clear header names
 * this conversation and epoch, its recipient at the key version the chain holds (their current one), the
 * creator's current key version, and the chain's length, head hash and membersHash as stored. An epoch that a
 * membership change overtook is thereby refused (INVALID_KEYS): the creator makes one for the new chain.
 */
export async function groupEpochCopies(store: Store, request: RequestOf<'addEpoch'>, creatorId: number): Promise<SealedFor[]> {
  // Several frames per epoch (`more`) are not served yet: one frame carries up to 256 copies.
  if (request.more) throw new ParleyError('INVALID_KEYS', 'This server takes a group key in one frame of at most 256 copies.');
  const state = await storedChain(store, request.conversationId);
  const chainVersions = new Map(state.members.map((m) => [m.username, m.keyVersion]));
  const creatorVersion = await store.currentKeyVersion(creatorId);
  const copies: SealedFor[] = [];
  const seen = new Set<string>();
  for (const { recipient, sealed } of request.keys) {
    const expected = chainVersions.get(recipient);
    const id = expected === undefined || seen.has(recipient) ? undefined : await store.findUserIdByName(recipient);
    if (id === undefined) throw new ParleyError('INVALID_KEYS', 'Each member of the group needs exactly one sealed copy of the key.');
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
  if (seen.size !== chainVersions.size) throw new ParleyError('INVALID_KEYS', 'Each member of the group needs exactly one sealed copy of the key.');
  return copies;
}

// What the group handlers share: the stored chain verified with the actors' published keys, and refusals in the protocol's words.
import {
  applyChange,
  decodeMembershipChange,
  parsePublicIdentity,
  type ChainFailure,
  type GroupState,
  type KeyDirectory,
  type PublicIdentity,
} from '../../shared/crypto/index.js';
import type { DecodedChange } from '../../shared/crypto/membership.js';
import { ParleyError } from '../../shared/errors.js';
import type { Hub, HubClient } from '../hub.js';
import { userNotFound } from '../lookups.js';
import type { GroupMemberInput, MembershipRefusal, Store } from '../store/store.js';

/** Each store's verified chains by conversation: a change is checked against the stored chain without re-verifying all of it. */
const verifiedChains = new WeakMap<Store, Map<number, GroupState>>();
const chainsOf = (store: Store): Map<number, GroupState> => {
  let chains = verifiedChains.get(store);
  if (!chains) verifiedChains.set(store, (chains = new Map()));
  return chains;
};

export const invalidMembership = (why: string): ParleyError =>
  new ParleyError('INVALID_MEMBERSHIP', `This group change was refused: ${why}. Nothing was stored.`);

/** Decodes a change the request's caller made; refused unless it is theirs and of the kind the request allows. */
export function decodeOwnChange(text: string, username: string, create: boolean): DecodedChange {
  const decoded = decodeMembershipChange(text);
  if (!decoded) throw invalidMembership('it is malformed');
  if ((decoded.change.action === 'create') !== create) throw invalidMembership(create ? 'createGroup takes a create change' : 'changeGroup takes no create change');
  if (decoded.change.actor !== username) throw invalidMembership('it is not signed by you');
  return decoded;
}

/** The published identities (every key version) of the named users, as a verifier's key directory. */
export async function publishedKeys(store: Store, usernames: Iterable<string>): Promise<KeyDirectory> {
  const byName = new Map<string, PublicIdentity[]>();
  for (const name of new Set(usernames)) {
    const id = await store.findUserIdByName(name);
    if (id === undefined) continue;
    const parsed = (await store.identities(id)).map((text) => parsePublicIdentity(text, name));
    byName.set(name, parsed.flatMap((outcome) => (outcome.ok ? [outcome.identity] : [])));
  }
  return (username, keyVersion) => byName.get(username)?.find((identity) => identity.keyVersion === keyVersion);
}

/** The stored chain, verified: from the cache, with any changes stored since applied. */
export async function storedChain(store: Store, conversationId: number): Promise<GroupState> {
  const chains = chainsOf(store);
  let state = chains.get(conversationId);
  const tail = await store.membershipChanges(conversationId, state?.length ?? 0);
  if (tail.length === 0 && state) return state;
  const keys = await publishedKeys(store, tail.flatMap((change) => decodeMembershipChange(change)?.change.actor ?? []));
  for (const change of tail) {
    const step = applyChange(state, change, keys);
    // Every stored change was verified before it was stored: this is a damaged database, not a client's fault.
    if (!step.ok) throw new ParleyError('INTERNAL', 'The stored group history does not verify.');
    state = step.state;
  }
  if (!state) throw new ParleyError('CONVERSATION_NOT_FOUND');
  chains.set(conversationId, state);
  return state;
}

/** Remembers the chain a committed change left. */
export function rememberChain(store: Store, conversationId: number, state: GroupState): void {
  chainsOf(store).set(conversationId, state);
}

/** Verifies the caller's change as the next step of `state` (undefined: a creation) with their published keys. */
export async function verifyStep(store: Store, state: GroupState | undefined, decoded: DecodedChange, text: string): Promise<GroupState> {
  const keys = await publishedKeys(store, [decoded.change.actor]);
  const step = applyChange(state, text, keys);
  if (!step.ok) throw chainRefusal(step.reason);
  return step.state;
}

/** The refusals a client can act on by their own code; any other is a change that does not follow the chain. */
const CHAIN_CODES: Partial<Record<ChainFailure, 'NOT_ALLOWED' | 'LAST_OWNER' | 'GROUP_FULL' | 'INVALID_GROUP_NAME' | 'MEMBERSHIP_CONFLICT'>> = {
  'not-allowed': 'NOT_ALLOWED',
  'last-owner': 'LAST_OWNER',
  'too-many-members': 'GROUP_FULL',
  'bad-name': 'INVALID_GROUP_NAME',
  'bad-index': 'MEMBERSHIP_CONFLICT',
};

export function chainRefusal(reason: ChainFailure): ParleyError {
  const code = CHAIN_CODES[reason];
  return code ? new ParleyError(code) : invalidMembership(`it does not follow the group's history (${reason})`);
}

export function storeRefusal(refusal: MembershipRefusal): ParleyError {
  switch (refusal) {
    case 'conflict':
      return new ParleyError('MEMBERSHIP_CONFLICT');
    case 'too-many-members':
      return new ParleyError('GROUP_FULL');
    case 'not-a-group':
      return new ParleyError('CONVERSATION_NOT_FOUND');
    case 'unknown-member':
      return new ParleyError('USER_NOT_FOUND', 'A member of this change has no account.');
    case 'group-exists':
      return invalidMembership('a group with this id exists');
    case 'bad-change':
      return invalidMembership('it names another group or place');
  }
}

/**
 * The account ids of the usernames, refused with USER_NOT_FOUND for a name without one; `newcomers` must be
 * named at their current key version (the one the adder seals the group's keys to).
 */
export async function accountIds(store: Store, usernames: Iterable<string>, newcomers: ReadonlyMap<string, number> = new Map()): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (const name of usernames) {
    const id = await store.findUserIdByName(name);
    if (id === undefined) throw userNotFound(name);
    const version = newcomers.get(name);
    if (version !== undefined && (await store.currentKeyVersion(id)) !== version) {
      throw invalidMembership(`it names ${name} at a key version that is not their current one`);
    }
    ids.set(name, id);
  }
  return ids;
}

/** The member rows a verified state leaves. */
export const memberRows = (state: GroupState, ids: ReadonlyMap<string, number>): GroupMemberInput[] =>
  state.members.map((m) => ({ userId: ids.get(m.username)!, role: state.roles.get(m.username)! }));

/** The `membership` event, to each of `userIds` (every session but the one that made the change, which has the reply). */
export function pushMembership(
  hub: Hub,
  userIds: Iterable<number>,
  event: { conversationId: number; index: number; change: string; afterSeq: number },
  skip: HubClient | undefined,
): void {
  const frame = JSON.stringify({ type: 'membership', ...event });
  for (const id of new Set(userIds)) hub.sendToUser(id, frame, skip);
}

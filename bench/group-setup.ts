// Makes a benchmark group: the signed `mc1.` changes that create it with its first members and add the rest,
// and the requests that store them (createGroup, then changeGroup per further change).
import {
  GENESIS_PREV,
  MAX_CHANGE_TARGETS,
  membershipChangeHash,
  newGroupId,
  signMembershipChange,
  type ChangeTarget,
  type Identity,
  type MembershipChange,
} from '../src/shared/crypto/index.js';
import type { BenchConnection } from './conn.js';

/**
 * The chain of a group whose owner is members[0] and whose other members are plain members: a `create`
 * naming the owner and up to 255 others, then `add` changes of up to 256 each, every one signed by the owner.
 */
export function groupChanges(input: { members: readonly string[]; owner: Identity; name: string; groupId?: string; ts?: number }): string[] {
  const [owner, ...others] = input.members;
  if (owner === undefined) throw new RangeError('groupChanges: a group has at least its owner');
  const groupId = input.groupId ?? newGroupId();
  const ts = input.ts ?? Date.now();
  const target = (username: string): ChangeTarget => ({ username, keyVersion: 1, role: 'member' });
  const batches: ChangeTarget[][] = [[{ username: owner, keyVersion: 1, role: 'owner' }, ...others.slice(0, MAX_CHANGE_TARGETS - 1).map(target)]];
  for (let i = MAX_CHANGE_TARGETS - 1; i < others.length; i += MAX_CHANGE_TARGETS) batches.push(others.slice(i, i + MAX_CHANGE_TARGETS).map(target));
  const changes: string[] = [];
  let prev = GENESIS_PREV;
  for (const [index, targets] of batches.entries()) {
    const change: MembershipChange = {
      groupId,
      index,
      prev,
      actor: owner,
      actorKeyVersion: input.owner.keyVersion,
      action: index === 0 ? 'create' : 'add',
      targets,
      name: input.name,
      history: 'hidden',
      ts,
    };
    const signed = signMembershipChange(change, input.owner);
    changes.push(signed);
    prev = membershipChangeHash(signed)!;
  }
  return changes;
}

/** Stores the chain through the owner's connection and returns the group's conversation id. */
export async function createGroup(owner: BenchConnection, changes: readonly string[]): Promise<number> {
  const [create, ...adds] = changes;
  const created = (await owner.request('createGroup', { change: create })) as { conversation: { id: number } };
  const conversationId = created.conversation.id;
  for (const change of adds) await owner.request('changeGroup', { conversationId, change });
  return conversationId;
}

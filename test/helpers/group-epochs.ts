// A group for the addEpoch handler tests (alice the owner, bob an admin, carol a member) and ek3 copies for it.
import { newEpochKey, publicIdentityOf, sealGroupEpochKey, verifyChain, type ChangeAction, type ChangeTarget, type GroupState } from '../../src/shared/crypto/index.js';
import { changeGroup } from '../../src/server/handlers/change-group.js';
import { createGroup } from '../../src/server/handlers/create-group.js';
import { at1, TestChain } from './groups.js';
import type { Account, HandlerHarness } from './handler-harness.js';

/** alice, bob and carol in a new group, and the chain state its creation left (as a client verifies it). */
export async function club(h: HandlerHarness, history: 'hidden' | 'shared' = 'hidden') {
  const [alice, bob, carol] = [await h.account('alice'), await h.account('bob'), await h.account('carol')];
  const people = [alice, bob, carol];
  const chain = new TestChain();
  chain.history = history;
  const changes = [chain.stored(chain.next(alice, 'create', [at1(alice, 'owner'), at1(bob, 'admin'), at1(carol)]))];
  const { conversation } = await h.handle(createGroup, { type: 'createGroup', change: changes[0]! }, alice.conn);
  const verify = (): GroupState => {
    const keys = (name: string, version: number) => {
      const account = people.find((a) => a.username === name);
      return account && version === 1 ? publicIdentityOf(account.identity!, name) : undefined;
    };
    const verified = verifyChain({ changes, keys });
    if (!verified.ok) throw new Error(verified.reason);
    return verified.state;
  };
  /** `actor` makes a change (stored), and the state after it. */
  const change = async (actor: Account, action: ChangeAction, targets: ChangeTarget[] = []): Promise<GroupState> => {
    const text = chain.next(actor, action, targets);
    await h.handle(changeGroup, { type: 'changeGroup', conversationId: conversation.id, change: text }, actor.conn);
    changes.push(chain.stored(text));
    return verify();
  };
  /** `actor` adds `newcomer` (an account made here): stored, and the state after it. */
  const add = async (actor: Account, name: string): Promise<{ newcomer: Account; state: GroupState }> => {
    const newcomer = await h.account(name);
    people.push(newcomer);
    return { newcomer, state: await change(actor, 'add', [at1(newcomer)]) };
  };
  return { alice, bob, carol, id: conversation.id, state: verify(), add, change };
}

/** `creator`'s ek3 copy of a fresh key for `recipient`, bound to `state` (or another chain length). */
export function copy(creator: Account, recipient: Account, where: { conversationId: number; epoch: number; state: GroupState; chainLength?: number }): string {
  return sealGroupEpochKey({
    conversationId: where.conversationId,
    epoch: where.epoch,
    key: newEpochKey(),
    creator: creator.identity!,
    creatorName: creator.username,
    recipient: publicIdentityOf(recipient.identity!, recipient.username),
    chainLength: where.chainLength ?? where.state.length,
    head: where.state.head,
    membersHash: where.state.membersHash,
  });
}

/** `creator`'s copies of one epoch for `recipients`, as addEpoch takes them. */
export const copies = (creator: Account, recipients: Account[], where: { conversationId: number; epoch: number; state: GroupState }) =>
  recipients.map((r) => ({ recipient: r.username, sealed: copy(creator, r, where) }));

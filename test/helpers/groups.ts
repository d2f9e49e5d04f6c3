// Signed membership changes for the group handler tests: made as a client makes them, with the actor's own keys.
import {
  GENESIS_PREV,
  membershipChangeHash,
  newGroupId,
  signMembershipChange,
  type ChangeAction,
  type ChangeTarget,
  type Identity,
  type MembershipChange,
} from '../../src/shared/crypto/index.js';
import type { Account } from './handler-harness.js';

export type Role = ChangeTarget['role'];

/** A target at key version 1 (every test account's). */
export const at1 = (account: Account | string, role: Role = 'member'): ChangeTarget => ({
  username: typeof account === 'string' ? account : account.username,
  keyVersion: 1,
  role,
});

/** One group's chain as a test builds it: each change follows the last one made here. */
export class TestChain {
  readonly groupId = newGroupId();
  name = 'club';
  history: MembershipChange['history'] = 'hidden';
  private readonly made: string[] = [];

  /** The change `actor` signs as the next one (or at `over.index`), with `signer`'s keys (the actor's unless told). */
  next(actor: Account, action: ChangeAction, targets: ChangeTarget[] = [], over: Partial<MembershipChange> & { signer?: Identity } = {}): string {
    const { signer, ...fields } = over;
    const index = fields.index ?? this.made.length;
    const previous = this.made[index - 1];
    const change: MembershipChange = {
      groupId: this.groupId,
      index,
      prev: previous === undefined ? GENESIS_PREV : membershipChangeHash(previous)!,
      actor: actor.username,
      actorKeyVersion: 1,
      action,
      targets: [...targets].sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0)),
      name: this.name,
      history: this.history,
      ts: 1_764_400_000_000 + index,
      ...fields,
    };
    return signMembershipChange(change, signer ?? actor.identity!);
  }

  /** Records a change the server stored, so the next one follows it. */
  stored(change: string): string {
    this.made.push(change);
    return change;
  }
}

// Membership changes made on this device: the next change after the verified chain, checked against the
// chain's own rules before it is signed, so a change the server would refuse is refused here in words.
import {
  applyChange,
  GENESIS_PREV,
  MAX_CHANGE_TARGETS,
  newGroupId,
  signMembershipChange,
  validGroupName,
  type ChangeAction,
  type ChangeTarget,
  type GroupState,
  type HistorySetting,
  type Identity,
  type KeyDirectory,
  type MembershipChange,
  type Role,
} from '../crypto/index.js';
import { ParleyError } from '../errors.js';

/** What a change does, as the user asked for it. */
export type ChangeIntent =
  | { action: 'add'; targets: ChangeTarget[] }
  | { action: 'remove'; username: string }
  | { action: 'leave' }
  | { action: 'set-role'; username: string; role: Role }
  | { action: 'rename'; name: string }
  | { action: 'set-history'; history: HistorySetting }
  | { action: 'update-key' };

/** The signer: the user's name and current identity. */
export interface Signer {
  me: string;
  identity: Identity;
}

const byName = (a: ChangeTarget, b: ChangeTarget): number => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0);

/** The create change (index 0): the user as owner, the others as members, and a fresh group id. */
export function createChange(signer: Signer, name: string, members: readonly ChangeTarget[], history: HistorySetting, now: number): string {
  if (!validGroupName(name)) throw new ParleyError('INVALID_GROUP_NAME');
  const targets = [{ username: signer.me, keyVersion: signer.identity.keyVersion, role: 'owner' as const }, ...members.filter((m) => m.username !== signer.me)].sort(byName);
  if (targets.length > MAX_CHANGE_TARGETS) throw new ParleyError('GROUP_FULL', `A group is created with at most ${MAX_CHANGE_TARGETS} members; add the others afterwards.`);
  const change: MembershipChange = {
    groupId: newGroupId(),
    index: 0,
    prev: GENESIS_PREV,
    actor: signer.me,
    actorKeyVersion: signer.identity.keyVersion,
    action: 'create',
    targets,
    name,
    history,
    ts: now,
  };
  return signMembershipChange(change, signer.identity);
}

/** The targets a change names, from the verified state. */
function targetsOf(state: GroupState, signer: Signer, intent: ChangeIntent): ChangeTarget[] {
  const held = (username: string): ChangeTarget => {
    const m = state.members.find((x) => x.username === username);
    if (!m) throw new ParleyError('NOT_ALLOWED', `${username} is not a member of this group.`);
    return { username, keyVersion: m.keyVersion, role: state.roles.get(username)! };
  };
  switch (intent.action) {
    case 'add':
      return [...intent.targets].sort(byName);
    case 'remove':
      return [held(intent.username)];
    case 'set-role':
      return [{ ...held(intent.username), role: intent.role }];
    case 'update-key':
      return [{ username: signer.me, keyVersion: signer.identity.keyVersion, role: held(signer.me).role }];
    case 'leave':
    case 'rename':
    case 'set-history':
      return [];
  }
}

/** Why the chain's rules refuse a change, as the error the server would have answered. */
function refusal(reason: string): ParleyError {
  switch (reason) {
    case 'last-owner':
      return new ParleyError('LAST_OWNER');
    case 'too-many-members':
      return new ParleyError('GROUP_FULL');
    case 'bad-name':
      return new ParleyError('INVALID_GROUP_NAME');
    case 'not-a-member':
      return new ParleyError('CONVERSATION_NOT_FOUND', 'You are not a member of this group any more.');
    case 'already-member':
      return new ParleyError('NOT_ALLOWED', 'That person is already a member.');
    default:
      return new ParleyError('NOT_ALLOWED');
  }
}

/**
 * The next change after the verified `state`, signed by the user. It is applied to the state first with the
 * chain's own rules (`applyChange`), so it fails here as it would on every member's device.
 */
export function nextChange(state: GroupState, signer: Signer, intent: ChangeIntent, keys: KeyDirectory, now: number): { text: string; state: GroupState } {
  const action: ChangeAction = intent.action;
  if (intent.action === 'rename' && !validGroupName(intent.name)) throw new ParleyError('INVALID_GROUP_NAME');
  const myVersion = action === 'update-key' ? signer.identity.keyVersion : state.members.find((m) => m.username === signer.me)?.keyVersion;
  if (myVersion === undefined) throw new ParleyError('CONVERSATION_NOT_FOUND', 'You are not a member of this group any more.');
  if (myVersion !== signer.identity.keyVersion) throw new ParleyError('KEYS_CHANGED', 'Your keys changed since you joined this group: update them in the group first.');
  const change: MembershipChange = {
    groupId: state.groupId,
    index: state.length,
    prev: state.head,
    actor: signer.me,
    actorKeyVersion: myVersion,
    action,
    targets: targetsOf(state, signer, intent),
    name: intent.action === 'rename' ? intent.name : state.name,
    history: intent.action === 'set-history' ? intent.history : state.settings.history,
    ts: now,
  };
  if (change.targets.length > MAX_CHANGE_TARGETS) throw new ParleyError('GROUP_FULL', `One change adds at most ${MAX_CHANGE_TARGETS} members.`);
  const text = signMembershipChange(change, signer.identity);
  const step = applyChange(state, text, keys);
  if (!step.ok) throw refusal(step.reason);
  return { text, state: step.state };
}

// Verifies a group's membership chain: each change signed by a member entitled to make it, in order, from the group's creation on.
import { verifySignature, type KeyDirectory } from './identity.js';
import { canonicalMembers, membersHash, type Member } from './members.js';
import {
  decodeMembershipChange,
  GENESIS_PREV,
  MAX_GROUP_MEMBERS,
  sameHead,
  validGroupName,
  type ChangeAction,
  type ChangeTarget,
  type HistorySetting,
  type MembershipChange,
  type Role,
} from './membership.js';

/** A group as its verified chain leaves it. */
export interface GroupState {
  groupId: string;
  /** How many changes the chain holds; the next change has this index. */
  length: number;
  /** The hash of the last change: the next change's `prev`, and what a client pins to notice a rollback. */
  head: Uint8Array;
  name: string;
  settings: { history: HistorySetting };
  /** Every member and the key version epochs are sealed to, in username order. */
  members: Member[];
  roles: ReadonlyMap<string, Role>;
  /** membersHash(members): what an epoch key made for the group now must bind (members.ts). */
  membersHash: Uint8Array;
  /** The last change, to show ("alice added carol"). */
  last: MembershipChange;
}

export type ChainFailure =
  | 'malformed'
  | 'empty-chain'
  | 'wrong-group'
  | 'bad-index'
  | 'bad-prev'
  | 'rolled-back'
  | 'first-not-create'
  | 'create-not-first'
  | 'unknown-actor-key'
  | 'bad-signature'
  | 'creator-not-owner'
  | 'not-a-member'
  | 'not-allowed'
  | 'bad-targets'
  | 'duplicate-member'
  | 'already-member'
  | 'unknown-member'
  | 'wrong-key-version'
  | 'wrong-role'
  | 'last-owner'
  | 'too-many-members'
  | 'bad-name'
  | 'unexpected-change';

export type ChainOutcome = { ok: true; state: GroupState } | { ok: false; reason: ChainFailure; /** The index in the list of the change refused. */ at: number };
type Step = { ok: true; state: GroupState } | { ok: false; reason: ChainFailure };
const refuse = (reason: ChainFailure): { ok: false; reason: ChainFailure } => ({ ok: false, reason });

/**
 * Checks every change of a group's chain, first to last, and returns the group it describes, or the first
 * change refused and why. `keys` answers with the client's pinned keys (never keys from the server's frames),
 * so each signature is checked against the key the client accepted for that actor at that key version.
 * `groupId` is the id the client pinned for the conversation (the first verified chain pins it); `known` is the
 * head it verified before: the chain must still hold that change at that place, or the server rolled it back.
 * Pure, and never throws.
 */
export function verifyChain(input: { changes: readonly unknown[]; keys: KeyDirectory; groupId?: string; known?: { length: number; head: Uint8Array } }): ChainOutcome {
  if (input.changes.length === 0) return { ok: false, reason: 'empty-chain', at: 0 };
  let state: GroupState | undefined;
  for (const [at, change] of input.changes.entries()) {
    const step = applyChange(state, change, input.keys, input.groupId);
    if (!step.ok) return { ...step, at };
    state = step.state;
    if (input.known && state.length === input.known.length && !sameHead(state.head, input.known.head)) return { ok: false, reason: 'rolled-back', at };
  }
  if (input.known && state!.length < input.known.length) return { ok: false, reason: 'rolled-back', at: input.changes.length - 1 };
  return { ok: true, state: state! };
}

/** Applies one change to a verified state (undefined before the first change): what a client does with each new change it hears of. */
export function applyChange(state: GroupState | undefined, value: unknown, keys: KeyDirectory, groupId?: string): Step {
  try {
    const decoded = decodeMembershipChange(value);
    if (decoded === undefined) return refuse('malformed');
    const { change, signed, signature, hash } = decoded;
    if (change.groupId !== (state?.groupId ?? groupId ?? change.groupId)) return refuse('wrong-group');
    if (change.index !== (state?.length ?? 0)) return refuse('bad-index');
    if (!sameHead(change.prev, state?.head ?? GENESIS_PREV)) return refuse('bad-prev');
    if (state === undefined && change.action !== 'create') return refuse('first-not-create');
    if (state !== undefined && change.action === 'create') return refuse('create-not-first');
    const actorKey = keys(change.actor, change.actorKeyVersion);
    if (actorKey === undefined || actorKey.username !== change.actor) return refuse('unknown-actor-key');
    if (!verifySignature(signature, signed, actorKey.ed25519)) return refuse('bad-signature');
    if (!validGroupName(change.name)) return refuse('bad-name');
    if (new Set(change.targets.map((t) => t.username)).size !== change.targets.length) return refuse('duplicate-member');
    const next = state === undefined ? create(change) : evolve(state, change);
    if (!next.ok) return next;
    if (next.members.size > MAX_GROUP_MEMBERS) return refuse('too-many-members');
    // In username order: one member set, one byte form and one hash.
    const members = canonicalMembers([...next.members.values()].map(({ username, keyVersion }) => ({ username, keyVersion })));
    if (members === undefined) return refuse('malformed');
    return {
      ok: true,
      state: {
        groupId: change.groupId,
        length: change.index + 1,
        head: hash,
        name: change.name,
        settings: { history: change.history },
        members,
        roles: new Map([...next.members.values()].map((m): [string, Role] => [m.username, m.role])),
        membersHash: membersHash(members),
        last: change,
      },
    };
  } catch {
    return refuse('malformed');
  }
}

type Roster = Map<string, ChangeTarget>;
type Next = { ok: true; members: Roster } | { ok: false; reason: ChainFailure };

/** The first change: its actor is among the members it names, as an owner, at the key version that signed. */
function create(change: MembershipChange): Next {
  const me = change.targets.find((t) => t.username === change.actor);
  if (me?.role !== 'owner' || me.keyVersion !== change.actorKeyVersion) return refuse('creator-not-owner');
  return { ok: true, members: new Map(change.targets.map((t): [string, ChangeTarget] => [t.username, t])) };
}

/** Who may make each change, by role. Leaving and updating one's own key are every member's. */
const ENTITLED: Record<Exclude<ChangeAction, 'create'>, readonly Role[]> = {
  add: ['owner', 'admin'],
  remove: ['owner', 'admin'],
  'set-role': ['owner'],
  rename: ['owner', 'admin'],
  'set-history': ['owner'],
  leave: ['owner', 'admin', 'member'],
  'update-key': ['owner', 'admin', 'member'],
};

const owners = (members: Roster): number => [...members.values()].filter((m) => m.role === 'owner').length;

/** Every change after the first, checked against the group before it. */
function evolve(state: GroupState, change: MembershipChange): Next {
  const members: Roster = new Map(state.members.map((m): [string, ChangeTarget] => [m.username, { ...m, role: state.roles.get(m.username)! }]));
  const actor = members.get(change.actor);
  if (actor === undefined) return refuse('not-a-member');
  // Only update-key is signed with a key version the chain does not hold yet.
  if (change.action !== 'update-key' && actor.keyVersion !== change.actorKeyVersion) return refuse('wrong-key-version');
  if (!ENTITLED[change.action as keyof typeof ENTITLED].includes(actor.role)) return refuse('not-allowed');
  if (change.name !== state.name && change.action !== 'rename') return refuse('unexpected-change');
  if (change.history !== state.settings.history && change.action !== 'set-history') return refuse('unexpected-change');
  const [target] = change.targets;
  const one = change.targets.length === 1 && target !== undefined;
  switch (change.action) {
    case 'create':
      return refuse('create-not-first');
    case 'add':
      if (change.targets.length === 0) return refuse('bad-targets');
      for (const t of change.targets) {
        if (members.has(t.username)) return refuse('already-member');
        // An admin adds members; only an owner may bring in an admin or another owner.
        if (actor.role !== 'owner' && t.role !== 'member') return refuse('not-allowed');
        members.set(t.username, t);
      }
      return { ok: true, members };
    case 'remove': {
      if (!one) return refuse('bad-targets');
      const current = stated(members, target);
      if (!current.ok) return current;
      if (target.username === actor.username) return refuse('bad-targets');
      // An admin removes members only; an owner anyone else (so an owner, the actor, always remains).
      if (actor.role !== 'owner' && target.role !== 'member') return refuse('not-allowed');
      members.delete(target.username);
      return { ok: true, members };
    }
    case 'leave':
      if (change.targets.length !== 0) return refuse('bad-targets');
      if (actor.role === 'owner' && owners(members) === 1) return refuse('last-owner');
      members.delete(actor.username);
      return { ok: true, members };
    case 'set-role': {
      if (!one) return refuse('bad-targets');
      const current = members.get(target.username);
      if (current === undefined) return refuse('unknown-member');
      if (current.keyVersion !== target.keyVersion) return refuse('wrong-key-version');
      if (current.role === target.role) return refuse('bad-targets');
      if (current.role === 'owner' && owners(members) === 1) return refuse('last-owner');
      members.set(target.username, target);
      return { ok: true, members };
    }
    case 'rename':
      if (change.targets.length !== 0 || change.name === state.name) return refuse('bad-targets');
      return { ok: true, members };
    case 'set-history':
      if (change.targets.length !== 0 || change.history === state.settings.history) return refuse('bad-targets');
      return { ok: true, members };
    case 'update-key':
      // A member names their own new key version, signed with it: only keys the client pinned verify it.
      if (!one || target.username !== actor.username || target.role !== actor.role) return refuse('bad-targets');
      if (target.keyVersion !== change.actorKeyVersion || target.keyVersion <= actor.keyVersion) return refuse('wrong-key-version');
      members.set(actor.username, target);
      return { ok: true, members };
  }
}

/** A target the change says is a member at a key version and role: all three must be so. */
function stated(members: Roster, target: ChangeTarget): Next {
  const current = members.get(target.username);
  if (current === undefined) return refuse('unknown-member');
  if (current.keyVersion !== target.keyVersion) return refuse('wrong-key-version');
  if (current.role !== target.role) return refuse('wrong-role');
  return { ok: true, members };
}

/**
 * Compares the members the server names for a group with the verified chain's: a name the chain does not hold
 * was slipped in (or a removal withheld), a name missing was dropped. Undefined when they agree.
 */
export function compareClaimedMembers(state: GroupState, claimed: readonly string[]): { reason: 'not-in-chain' | 'missing'; username: string } | undefined {
  const inChain = new Set(state.members.map((m) => m.username));
  const named = new Set(claimed);
  for (const username of named) if (!inChain.has(username)) return { reason: 'not-in-chain', username };
  for (const username of inChain) if (!named.has(username)) return { reason: 'missing', username };
  return undefined;
}

/** Whether an epoch key bound to `epochMembersHash` is sealed to exactly the chain's current members at their key versions. */
export const epochFitsChain = (state: GroupState, epochMembersHash: Uint8Array): boolean => sameHead(state.membersHash, epochMembersHash);

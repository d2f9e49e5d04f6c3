// A lying server against the membership chain: every rewrite, reordering, drop, replay, forgery and rule break is refused with its reason.
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { describe, expect, test } from 'vitest';
import { directoryOf, makeUser, type TestUser } from '../../../test/crypto/fixtures.js';
import { encodeFields, fromBase64url, toBase64url, u32, u64 } from './bytes.js';
import { identityFromSecrets, publicIdentityOf } from './identity.js';
import { membersHash } from './members.js';
import {
  decodeMembershipChange,
  GENESIS_PREV,
  MAX_GROUP_MEMBERS,
  membershipChangeHash,
  newGroupId,
  signMembershipChange,
  validGroupName,
  type ChangeAction,
  type ChangeTarget,
  type MembershipChange,
  type Role,
} from './membership.js';
import { compareClaimedMembers, epochFitsChain, verifyChain, type ChainFailure, type GroupState } from './membership-chain.js';

const alice = makeUser('alice');
const bob = makeUser('bob');
const carol = makeUser('carol');
const carol2 = makeUser('carol', 2);
const dave = makeUser('dave');
const mallory = makeUser('mallory');
const keys = directoryOf(alice, bob, carol, carol2, dave, mallory);
const GROUP = newGroupId();
/** The frozen chain's head and the SHA-256 of its text (see the last tests): a change to the format changes them. */
const FROZEN_HEAD = 'dc6074cfa39ec200a4c4bd25ba22f1bf6ed116d8b36632359251e7391789097e';
const FROZEN_TEXT_HASH = 'f9aed610f98bcf89949cc8fc67b0a86899c75c85897f749933a2789e6d5aa0e9';

const member = (user: TestUser, role: Role = 'member'): ChangeTarget => ({ username: user.name, keyVersion: user.identity.keyVersion, role });

function verified(chain: readonly string[], groupId = GROUP): GroupState {
  const outcome = verifyChain({ changes: chain, keys, groupId });
  if (!outcome.ok) throw new Error(`the chain should verify, but change ${outcome.at} is refused: ${outcome.reason}`);
  return outcome.state;
}

/** The next change after `chain`, made by `by`, keeping the name and setting the chain left unless `over` says otherwise. */
function next(chain: readonly string[], by: TestUser, action: ChangeAction, targets: ChangeTarget[] = [], over: Partial<MembershipChange> = {}): string {
  const state = chain.length === 0 ? undefined : verified(chain, over.groupId ?? GROUP);
  const change: MembershipChange = {
    groupId: GROUP,
    index: chain.length,
    prev: state?.head ?? GENESIS_PREV,
    actor: by.name,
    actorKeyVersion: by.identity.keyVersion,
    action,
    targets,
    name: state?.name ?? 'club',
    history: state?.settings.history ?? 'hidden',
    ts: 1_764_400_000_000 + chain.length,
    ...over,
  };
  return signMembershipChange(change, by.identity);
}

const appended = (chain: readonly string[], ...args: Parameters<typeof next> extends [unknown, ...infer R] ? R : never): string[] => [...chain, next(chain, ...args)];

/** alice creates "club" with bob (admin) and carol, renames it, and bob adds dave. */
const created = [next([], alice, 'create', [member(alice, 'owner'), member(bob, 'admin'), member(carol)])];
const renamed = appended(created, alice, 'rename', [], { name: 'book club' });
const base = appended(renamed, bob, 'add', [member(dave)]);

function refused(chain: readonly unknown[], reason: ChainFailure, at = chain.length - 1, options: Partial<Parameters<typeof verifyChain>[0]> = {}) {
  expect(verifyChain({ changes: chain, keys, groupId: GROUP, ...options })).toEqual({ ok: false, reason, at });
}

describe('a valid chain', () => {
  test('gives the members, their roles and key versions, the name and the setting; its member set hash is the one epochs bind', () => {
    const state = verified(base);
    expect(state.members).toEqual(['alice', 'bob', 'carol', 'dave'].map((username) => ({ username, keyVersion: 1 })));
    expect(Object.fromEntries(state.roles)).toEqual({ alice: 'owner', bob: 'admin', carol: 'member', dave: 'member' });
    expect([state.name, state.settings, state.length, state.groupId]).toEqual(['book club', { history: 'hidden' }, 3, GROUP]);
    expect(state.membersHash).toEqual(membersHash(state.members));
    expect(state.head).toEqual(membershipChangeHash(base[2]));
    expect(state.last).toMatchObject({ actor: 'bob', action: 'add', targets: [member(dave)] });
  });

  test('every action an entitled member may take is accepted', () => {
    let chain = appended(base, bob, 'remove', [member(dave)]);
    chain = appended(chain, carol, 'leave');
    chain = appended(chain, alice, 'add', [member(carol, 'admin'), member(dave)]);
    chain = appended(chain, alice, 'set-role', [member(bob, 'owner')]);
    chain = appended(chain, alice, 'leave');
    chain = appended(chain, bob, 'set-history', [], { history: 'shared' });
    chain = appended(chain, carol2, 'update-key', [{ ...member(carol2), role: 'admin' }]);
    chain = appended(chain, carol2, 'rename', [], { name: 'Bücher 📚' });
    const state = verified(chain);
    expect(state.members).toEqual([
      { username: 'bob', keyVersion: 1 },
      { username: 'carol', keyVersion: 2 },
      { username: 'dave', keyVersion: 1 },
    ]);
    expect(Object.fromEntries(state.roles)).toEqual({ bob: 'owner', carol: 'admin', dave: 'member' });
    expect([state.name, state.settings.history]).toEqual(['Bücher 📚', 'shared']);
  });

  test('the pinned head of a shorter chain is accepted when the chain still holds it', () => {
    const known = verified(renamed);
    expect(verifyChain({ changes: base, keys, groupId: GROUP, known: { length: known.length, head: known.head } })).toMatchObject({ ok: true });
  });
});

describe('a server that changes the chain', () => {
  test('rewriting a change (the new name, one byte) breaks its signature', () => {
    const bytes = fromBase64url(renamed[1]!.slice(4))!;
    const at = bytes.findIndex((_, i) => new TextDecoder().decode(bytes.subarray(i, i + 9)) === 'book club');
    bytes[at + 8] = 'e'.charCodeAt(0);
    const rewritten = `mc1.${toBase64url(bytes)}`;
    expect(decodeMembershipChange(rewritten)?.change.name).toBe('book clue');
    refused([created[0], rewritten, base[2]], 'bad-signature', 1);
  });

  test('reordering or dropping a change in the middle breaks the indexes; a change moved to the right index breaks the hashes', () => {
    refused([base[0], base[2], base[1]], 'bad-index', 1);
    refused([base[0], base[2]], 'bad-index', 1);
    const elsewhere = next(created, bob, 'add', [member(dave)], { index: 1, prev: new Uint8Array(32).fill(7) });
    refused([created[0], elsewhere], 'bad-prev', 1);
  });

  test("a change replayed from another group, or another group's whole chain, is refused", () => {
    const otherGroup = newGroupId();
    const other = [next([], alice, 'create', [member(alice, 'owner'), member(mallory)], { groupId: otherGroup })];
    const replayed = next(other, alice, 'add', [member(dave)], { groupId: otherGroup, index: 3, prev: verified(base).head });
    refused([...base, replayed], 'wrong-group', 3);
    refused(other, 'wrong-group', 0);
  });

  test('dropping the newest changes, or a fork of the same length, is a rollback of the pinned head', () => {
    const known = verified(base);
    const pinned = { known: { length: known.length, head: known.head } };
    refused(renamed, 'rolled-back', 1, pinned);
    const fork = appended(renamed, alice, 'add', [member(dave)]);
    refused(fork, 'rolled-back', 2, pinned);
  });

  test('an empty chain, a chain that does not start with create, and a second create are refused', () => {
    refused([], 'empty-chain', 0);
    refused([next([], bob, 'add', [member(mallory)])], 'first-not-create', 0);
    refused([...base, next(base, alice, 'create', [member(alice, 'owner')])], 'create-not-first', 3);
    refused([next([], alice, 'create', [member(alice, 'admin'), member(bob, 'owner')])], 'creator-not-owner', 0);
  });

  test('garbage, a cut change, bytes after the signature and another prefix are malformed', () => {
    const whole = base[2]!;
    for (const bad of ['mc1.', 'hello', 42, null, whole.slice(0, 60), `${whole}AA`, `mc2.${whole.slice(4)}`]) refused([...renamed, bad], 'malformed', 2);
  });
});

describe('a server that forges changes', () => {
  test('a change by someone outside the group, signed with their own real key, is refused', () => {
    refused([...base, next(base, mallory, 'add', [member(mallory)])], 'not-a-member', 3);
  });

  test("a change claimed to be alice's but signed with another key, or naming a key version the client never pinned, is refused", () => {
    const forged = next(base, mallory, 'add', [member(mallory)], { actor: 'alice' });
    refused([...base, forged], 'bad-signature', 3);
    const alice5 = makeUser('alice', 5);
    refused([...base, next(base, alice5, 'add', [member(mallory)])], 'unknown-actor-key', 3);
  });

  test('a member may not add anyone; an admin may not add an admin, remove the owner or another admin', () => {
    refused([...base, next(base, carol, 'add', [member(mallory)])], 'not-allowed', 3);
    refused([...base, next(base, bob, 'add', [member(mallory, 'admin')])], 'not-allowed', 3);
    refused([...base, next(base, bob, 'remove', [member(alice, 'owner')])], 'not-allowed', 3);
    const twoAdmins = appended(base, alice, 'set-role', [member(carol, 'admin')]);
    refused([...twoAdmins, next(twoAdmins, bob, 'remove', [member(carol, 'admin')])], 'not-allowed', 4);
    refused([...base, next(base, bob, 'set-role', [member(carol, 'admin')])], 'not-allowed', 3);
    refused([...base, next(base, bob, 'set-history', [], { history: 'shared' })], 'not-allowed', 3);
    refused([...base, next(base, carol, 'rename', [], { name: 'mine now' })], 'not-allowed', 3);
  });

  test('the last owner can neither leave, be demoted nor be removed; with a second owner they can leave', () => {
    refused([...base, next(base, alice, 'leave')], 'last-owner', 3);
    refused([...base, next(base, alice, 'set-role', [member(alice, 'admin')])], 'last-owner', 3);
    refused([...base, next(base, alice, 'remove', [member(alice, 'owner')])], 'bad-targets', 3);
    const handedOver = appended(base, alice, 'set-role', [member(bob, 'owner')]);
    expect(verified(appended(handedOver, alice, 'leave')).roles.get('bob')).toBe('owner');
  });

  test('a removal or role change must state the target as the chain holds them', () => {
    refused([...base, next(base, alice, 'remove', [member(mallory)])], 'unknown-member', 3);
    refused([...base, next(base, alice, 'remove', [member(carol, 'admin')])], 'wrong-role', 3);
    refused([...base, next(base, alice, 'remove', [member(carol2)])], 'wrong-key-version', 3);
    refused([...base, next(base, alice, 'set-role', [member(carol, 'member')])], 'bad-targets', 3);
    refused([...base, next(base, alice, 'remove', [member(carol), member(dave)])], 'bad-targets', 3);
  });

  test('adding a member twice, or one already in the group, is refused', () => {
    const eve = makeUser('eve');
    refused([...base, next(base, alice, 'add', [member(eve), member(eve)])], 'duplicate-member', 3);
    refused([...base, next(base, alice, 'add', [member(carol)])], 'already-member', 3);
    refused([...base, next(base, alice, 'add', [])], 'bad-targets', 3);
  });

  test('a change that is not a rename or a setting change may not alter the name or the setting on the side', () => {
    refused([...base, next(base, alice, 'add', [member(mallory)], { name: 'taken over' })], 'unexpected-change', 3);
    refused([...base, next(base, alice, 'add', [member(mallory)], { history: 'shared' })], 'unexpected-change', 3);
  });

  test('after a key update the old key version no longer speaks for the member; no one updates another member\'s key', () => {
    const updated = appended(base, carol2, 'update-key', [member(carol2)]);
    refused([...updated, next(updated, carol, 'leave')], 'wrong-key-version', 4);
    refused([...base, next(base, carol2, 'update-key', [member(dave)])], 'bad-targets', 3);
    refused([...base, next(base, carol, 'update-key', [member(carol)])], 'wrong-key-version', 3);
  });

  test('a group name with control characters, bidi overrides, spaces at its ends, or nothing, is refused', () => {
    for (const name of ['bell\u0007', 'two\nlines', 'evil\u202egnp.exe', ' padded', '', 'x'.repeat(65)]) {
      expect(validGroupName(name), JSON.stringify(name)).toBe(false);
      refused([...base, next(base, alice, 'rename', [], { name })], 'bad-name', 3);
    }
    refused([next([], alice, 'create', [member(alice, 'owner')], { name: 'tab\there' })], 'bad-name', 0);
    expect(validGroupName('Bücher 📚 👩‍👩‍👧')).toBe(true);
  });
});

describe('what the server claims beside the chain', () => {
  test('a member the chain does not hold, or one it dropped, is named; an epoch sealed to another member set does not fit', () => {
    const state = verified(base);
    expect(compareClaimedMembers(state, ['dave', 'carol', 'bob', 'alice'])).toBeUndefined();
    expect(compareClaimedMembers(state, ['alice', 'bob', 'carol', 'dave', 'mallory'])).toEqual({ reason: 'not-in-chain', username: 'mallory' });
    expect(compareClaimedMembers(state, ['alice', 'bob', 'carol'])).toEqual({ reason: 'missing', username: 'dave' });
    expect(epochFitsChain(state, membersHash(state.members))).toBe(true);
    expect(epochFitsChain(state, membersHash([...state.members, { username: 'mallory', keyVersion: 1 }]))).toBe(false);
    const removed = verified(appended(base, bob, 'remove', [member(dave)]));
    // The epoch from before dave's removal still names dave: it does not fit the group after it.
    expect(epochFitsChain(removed, state.membersHash)).toBe(false);
  });
});

describe('the member limit', () => {
  const user = (i: number): ChangeTarget => ({ username: `u${String(i).padStart(4, '0')}`, keyVersion: 1, role: 'member' });
  const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => user(from + i));

  test(`a group reaches ${MAX_GROUP_MEMBERS} members and no more`, () => {
    let chain = [next([], alice, 'create', [member(alice, 'owner'), ...range(1, 249)])];
    for (const from of [250, 500, 750]) chain = appended(chain, alice, 'add', range(from, 250));
    expect(verified(chain).members).toHaveLength(MAX_GROUP_MEMBERS);
    refused([...chain, next(chain, alice, 'add', [user(1000)])], 'too-many-members', 4);
    expect(() => next([], alice, 'create', [member(alice, 'owner'), ...range(1, 256)])).toThrow(RangeError);
  });
});

describe('the format, byte for byte', () => {
  // Keys from fixed seeds, as the known-answer vectors' generator makes them: Ed25519 signs deterministically, so the chain's bytes are fixed too.
  const fixed = (label: string, n: number) => sha512(utf8ToBytes(`parley test vector: ${label}`)).slice(0, n);
  const fixedUser = (name: string) => identityFromSecrets(1, fixed(`${name} v1 x25519 secret`, 32), fixed(`${name} v1 ed25519 seed`, 32));
  const aliceKeys = fixedUser('alice');
  const groupBytes = fixed('group 1', 16);
  const ts = 1_764_400_000_000;
  const first: MembershipChange = {
    groupId: toBase64url(groupBytes),
    index: 0,
    prev: GENESIS_PREV,
    actor: 'alice',
    actorKeyVersion: 1,
    action: 'create',
    targets: [
      { username: 'carol', keyVersion: 1, role: 'member' },
      { username: 'alice', keyVersion: 1, role: 'owner' },
    ],
    name: 'club',
    history: 'hidden',
    ts,
  };
  const c0 = signMembershipChange(first, aliceKeys);
  const c1 = signMembershipChange({ ...first, index: 1, prev: membershipChangeHash(c0)!, action: 'rename', targets: [], name: 'book club', ts: ts + 1 }, aliceKeys);

  test('the body is the field list docs/groups.md gives, signed and hashed under their labels', () => {
    const bytes = fromBase64url(c0.slice(4))!;
    const body = bytes.subarray(0, bytes.length - 64);
    const signature = bytes.subarray(bytes.length - 64);
    const expected = encodeFields(groupBytes, u32(0), new Uint8Array(32), 'alice', u32(1), 'create', u32(2), 'alice', u32(1), 'owner', 'carol', u32(1), 'member', 'club', 'hidden', u64(ts));
    expect(bytesToHex(body)).toBe(bytesToHex(expected));
    expect(ed25519.verify(signature, encodeFields('parley/v1/membership/signature', body), aliceKeys.ed25519.publicKey)).toBe(true);
    expect(membershipChangeHash(c0)).toEqual(sha256(encodeFields('parley/v1/membership/hash', body, signature)));
  });

  test('a frozen chain: its text and its head never change', () => {
    const pinned = directoryOf({ name: 'alice', identity: aliceKeys, pub: publicIdentityOf(aliceKeys, 'alice') });
    const outcome = verifyChain({ changes: [c0, c1], keys: pinned });
    expect(outcome.ok && [outcome.state.name, bytesToHex(outcome.state.head)]).toEqual(['book club', FROZEN_HEAD]);
    expect(bytesToHex(sha256(utf8ToBytes(`${c0}\n${c1}`)))).toBe(FROZEN_TEXT_HASH);
  });
});

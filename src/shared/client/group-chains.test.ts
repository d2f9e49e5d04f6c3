// The group chain as a device keeps it: changes made and signed here, verified with pinned keys only, pinned
// with their group id, persisted; forged, rewritten and rolled-back changes refused as security events.
import { describe, expect, test } from 'vitest';
import { directoryOf, makeUser, type TestUser } from '../../../test/crypto/fixtures.js';
import { applyChange, signMembershipChange, decodeMembershipChange, type HistorySetting, type KeyDirectory } from '../crypto/index.js';
import type { ParleyError } from '../errors.js';
import type { SecurityEvent } from './e2e-text.js';
import { createChange, nextChange, type ChangeIntent, type Signer } from './group-changes.js';
import { GroupChains } from './group-chains.js';
import { describeMembershipLine, mentions } from './group-text.js';
import type { GroupView } from './state.js';
import { memoryStorage, STORAGE_KEYS, type StorageAdapter } from './storage.js';

const alice = makeUser('alice');
const bob = makeUser('bob');
const carol = makeUser('carol');
const mallory = makeUser('mallory');
const signer = (u: TestUser): Signer => ({ me: u.name, identity: u.identity });
const member = (u: TestUser) => ({ username: u.name, keyVersion: u.identity.keyVersion, role: 'member' as const });

function device(me: string, keys: KeyDirectory = directoryOf(alice, bob, carol), storage: StorageAdapter = memoryStorage()) {
  const security: Omit<SecurityEvent, 'id'>[] = [];
  const views = new Map<number, GroupView>();
  const chains = new GroupChains({
    me,
    storage,
    keys: { lookup: keys, prepare: () => Promise.resolve(true) },
    onSecurity: (e) => security.push(e),
    onView: (id, v) => views.set(id, v),
    now: () => 1,
    generation: 'g1',
  });
  return { chains, security, views, storage };
}

/** alice creates "Ops" with bob. */
function aliceChain(): { changes: { change: string; afterSeq: number; index: number }[]; groupId: string } {
  const first = createChange(signer(alice), 'Ops', [member(bob)], 'hidden', 1000);
  return { changes: [{ change: first, afterSeq: 0, index: 0 }], groupId: decodeMembershipChange(first)!.change.groupId };
}

describe('group chains on a device', () => {
  test('a chain made and signed here verifies on every member, with one line per change', async () => {
    const { changes, groupId } = aliceChain();
    const a = device('alice');
    a.chains.pinGroup(7, groupId);
    expect(await a.chains.apply(null, 7, changes)).toBe(1);
    const added = nextChange(a.chains.state(7)!, signer(alice), { action: 'add', targets: [member(carol)] }, directoryOf(alice, bob, carol), 2000);
    const renamed = nextChange(added.state, signer(alice), { action: 'rename', name: 'Ops 2' }, directoryOf(alice, bob, carol), 3000);
    const all = [...changes, { change: added.text, afterSeq: 4, index: 1 }, { change: renamed.text, afterSeq: 5, index: 2 }];

    const b = device('bob');
    b.chains.pinGroup(7, groupId);
    expect(await b.chains.apply(null, 7, all)).toBe(3);
    const view = b.views.get(7)!;
    expect(view.name).toBe('Ops 2');
    expect(view.members).toEqual([
      { username: 'alice', role: 'owner' },
      { username: 'bob', role: 'member' },
      { username: 'carol', role: 'member' },
    ]);
    expect(view.myRole).toBe('member');
    expect(view.timeline.map((l) => describeMembershipLine(l, 'bob'))).toEqual([
      'alice created the group “Ops” with you',
      'alice added carol',
      'alice renamed the group to “Ops 2”',
    ]);
    expect(view.timeline[1]!.afterSeq).toBe(4);
    expect(b.security).toEqual([]);

    // Persisted: a restart verifies the stored chain again and shows the same group.
    const again = device('bob', directoryOf(alice, bob, carol), b.storage);
    expect(again.views.get(7)).toEqual(view);
    // A profile edited to slip mallory in is verified again, and stops at the forged change.
    const stored = JSON.parse(b.storage.getItem(STORAGE_KEYS.groups('bob'))!);
    const forged = signMembershipChange({ ...decodeMembershipChange(renamed.text)!.change, index: 3, prev: renamed.state.head, action: 'add', actor: 'mallory', targets: [member(mallory)] }, mallory.identity);
    stored.groups['7'].changes.push({ change: forged, afterSeq: 9 });
    b.storage.setItem(STORAGE_KEYS.groups('bob'), JSON.stringify(stored));
    expect(device('bob', directoryOf(alice, bob, carol, mallory), b.storage).views.get(7)!.members.map((m) => m.username)).toEqual(['alice', 'bob', 'carol']);
  });

  test('changes the chain refuses are refused here before signing, in the server’s words', async () => {
    const { changes, groupId } = aliceChain();
    const b = device('bob');
    b.chains.pinGroup(7, groupId);
    await b.chains.apply(null, 7, changes);
    const keys = directoryOf(alice, bob, carol);
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as ParleyError).code;
      }
      return 'none';
    };
    expect(code(() => nextChange(b.chains.state(7)!, signer(bob), { action: 'add', targets: [member(carol)] }, keys, 1))).toBe('NOT_ALLOWED');
    expect(code(() => nextChange(b.chains.state(7)!, signer(bob), { action: 'rename', name: ' bad ' }, keys, 1))).toBe('INVALID_GROUP_NAME');
    expect(code(() => nextChange(b.chains.state(7)!, signer(alice), { action: 'leave' }, keys, 1))).toBe('LAST_OWNER');
    expect(code(() => nextChange(b.chains.state(7)!, signer(alice), { action: 'remove', username: 'carol' }, keys, 1))).toBe('NOT_ALLOWED');
    expect(code(() => nextChange(b.chains.state(7)!, signer(bob), { action: 'leave' }, keys, 1))).toBe('none');
  });

  test('a lying server: a member added without a valid change, a rewritten past, another group, a rollback', async () => {
    const { changes, groupId } = aliceChain();
    const keys = directoryOf(alice, bob, carol, mallory);
    const b = device('bob', keys);
    b.chains.pinGroup(7, groupId);
    await b.chains.apply(null, 7, changes);
    const state = b.chains.state(7)!;
    const base = decodeMembershipChange(changes[0]!.change)!.change;
    // mallory (the server's account) signs an add of herself: not a member, refused.
    const byMallory = signMembershipChange({ ...base, index: 1, prev: state.head, action: 'add', actor: 'mallory', targets: [member(mallory)] }, mallory.identity);
    expect(await b.chains.apply(null, 7, [{ change: byMallory, afterSeq: 1, index: 1 }])).toBe(1);
    expect(b.views.get(7)!.refused).toEqual({ index: 1, reason: 'not-a-member' });
    expect(b.views.get(7)!.members.map((m) => m.username)).toEqual(['alice', 'bob']);
    expect(b.security.at(-1)!.kind).toBe('membership-refused');
    // "alice" adding mallory, signed by keys that are not alice's pinned ones.
    const forged = signMembershipChange({ ...base, index: 1, prev: state.head, action: 'add', targets: [member(mallory)] }, makeUser('alice').identity);
    await b.chains.apply(null, 7, [{ change: forged, afterSeq: 1, index: 1 }]);
    expect(b.views.get(7)!.refused!.reason).toBe('bad-signature');
    // A rewritten past: another change at an index this device holds.
    const other = createChange(signer(alice), 'Ops', [member(bob), member(mallory)], 'hidden', 1000);
    await b.chains.apply(null, 7, [{ change: other, afterSeq: 0, index: 0 }]);
    expect(b.views.get(7)!.refused!.reason).toBe('rolled-back');
    // The summary says the chain is shorter, or names more members than the chain.
    b.chains.checkSummary(7, { chainLength: 0, memberCount: 2 });
    b.chains.checkSummary(7, { chainLength: 1, memberCount: 3 });
    expect(b.chains.checkClaimedMembers(7, ['alice', 'bob', 'mallory'])).toBe(false);
    expect(b.security.map((e) => e.kind)).toEqual(expect.arrayContaining(['membership-refused', 'members-mismatch']));
    expect(b.views.get(7)!.members.map((m) => m.username)).toEqual(['alice', 'bob']);
    // Another group's id for this conversation is refused.
    expect(b.chains.pinGroup(7, decodeMembershipChange(other)!.change.groupId)).toBe(false);
    // Then a real change still applies.
    const real = nextChange(state, signer(alice), { action: 'add', targets: [member(carol)] }, keys, 5);
    await b.chains.apply(null, 7, [{ change: real.text, afterSeq: 3, index: 1 }]);
    expect(b.views.get(7)!.refused).toBeUndefined();
    expect(b.views.get(7)!.members.map((m) => m.username)).toEqual(['alice', 'bob', 'carol']);
  });
});

type Built = { changes: { change: string; afterSeq: number; index: number }[]; groupId: string };

/** A chain alice builds from a creation with bob, change after change, each placed after one more message. */
function chainFrom(setting: HistorySetting, steps: ChangeIntent[]): Built {
  const keys = directoryOf(alice, bob, carol);
  const first = createChange(signer(alice), 'Ops', [member(bob)], setting, 1000);
  const created = applyChange(undefined, first, keys);
  if (!created.ok) throw new Error(created.reason);
  const changes = [{ change: first, afterSeq: 0, index: 0 }];
  let state = created.state;
  for (const [i, intent] of steps.entries()) {
    const next = nextChange(state, signer(alice), intent, keys, 2000 + i);
    changes.push({ change: next.text, afterSeq: i + 1, index: i + 1 });
    state = next.state;
  }
  return { changes, groupId: state.groupId };
}

/** `me`'s device verifying the whole chain: its view, and the lines it shows in `me`'s words. */
async function shownTo(me: string, chain: Built, keys?: KeyDirectory) {
  const d = device(me, keys);
  d.chains.pinGroup(7, chain.groupId);
  await d.chains.apply(null, 7, chain.changes);
  return { ...d, view: d.views.get(7)!, words: d.views.get(7)!.timeline.map((l) => describeMembershipLine(l, me)) };
}

describe('what a member is shown of the chain', () => {
  const before: ChangeIntent[] = [{ action: 'rename', name: 'Ops 2' }, { action: 'set-role', username: 'bob', role: 'admin' }];
  const everything = ['alice created the group “Ops” with bob', 'alice renamed the group to “Ops 2”', 'alice made bob an admin', 'alice added carol', 'alice renamed the group to “Ops 3”'];

  test('a newcomer to a group that keeps its history hidden sees it from their addition on, with the current name and members', async () => {
    const chain = chainFrom('hidden', [...before, { action: 'add', targets: [member(carol)] }, { action: 'rename', name: 'Ops 3' }]);
    const carolSees = await shownTo('carol', chain);
    expect(carolSees.words).toEqual(['alice added you', 'alice renamed the group to “Ops 3”']);
    expect(carolSees.view.timeline[0]!.afterSeq).toBe(3);
    // The whole chain was verified: the name, members and roles are the newest state's.
    expect(carolSees.chains.state(7)!.length).toBe(5);
    expect(carolSees.view.name).toBe('Ops 3');
    expect(carolSees.view.members).toEqual([
      { username: 'alice', role: 'owner' },
      { username: 'bob', role: 'admin' },
      { username: 'carol', role: 'member' },
    ]);
    // A restart verifies the stored chain again and shows the same.
    expect(device('carol', directoryOf(alice, bob, carol), carolSees.storage).views.get(7)).toEqual(carolSees.view);
    // The creator and the first members were added by the creation: they see every line.
    expect((await shownTo('alice', chain)).words).toEqual(everything.map((w) => w.replace(/^alice/, 'you')));
    expect((await shownTo('bob', chain)).words).toEqual(['alice created the group “Ops” with you', 'alice renamed the group to “Ops 2”', 'alice made you an admin', 'alice added carol', 'alice renamed the group to “Ops 3”']);
  });

  test('a newcomer to a group that shares its history sees every line', async () => {
    const chain = chainFrom('shared', [...before, { action: 'add', targets: [member(carol)] }, { action: 'rename', name: 'Ops 3' }]);
    expect((await shownTo('carol', chain)).words).toEqual(everything.map((w) => w.replace('added carol', 'added you')));
  });

  test('a member who left and was added again sees it from the latest addition, by the setting of that addition', async () => {
    const gone: ChangeIntent[] = [{ action: 'add', targets: [member(carol)] }, { action: 'rename', name: 'Ops 2' }, { action: 'remove', username: 'carol' }, { action: 'rename', name: 'Ops 3' }];
    const back = await shownTo('carol', chainFrom('hidden', [...gone, { action: 'add', targets: [member(carol)] }, { action: 'rename', name: 'Ops 4' }]));
    expect(back.words).toEqual(['alice added you', 'alice renamed the group to “Ops 4”']);
    expect(back.view.timeline[0]!.index).toBe(5);
    // Removed and not back: the lines from the addition up to the removal (the window the server still serves).
    const out = await shownTo('carol', chainFrom('hidden', gone));
    expect(out.words).toEqual(['alice added you', 'alice renamed the group to “Ops 2”', 'alice removed you', 'alice renamed the group to “Ops 3”']);
    expect(out.view.myRole).toBeNull();
    // Added while the history was hidden, the setting changed afterwards: the window stays where it began.
    const later = await shownTo('carol', chainFrom('hidden', [...before, { action: 'add', targets: [member(carol)] }, { action: 'set-history', history: 'shared' }]));
    expect(later.words).toEqual(['alice added you', 'alice let new members read the messages from before they joined']);
    expect(later.view.history).toBe('shared');
    // Removed while hidden, added again once shared: a window from the start, so every line.
    const shared = await shownTo('carol', chainFrom('hidden', [...gone, { action: 'set-history', history: 'shared' }, { action: 'add', targets: [member(carol)] }]));
    expect(shared.words).toHaveLength(7);
    expect(shared.words[0]).toBe('alice created the group “Ops” with bob');
  });

  test('the lines hidden from a newcomer are still verified: a forged change before their addition stops the chain', async () => {
    const chain = chainFrom('hidden', [...before, { action: 'add', targets: [member(carol)] }, { action: 'rename', name: 'Ops 3' }]);
    // The server slips mallory in before carol's addition, with a change signed by keys that are not alice's.
    const early = decodeMembershipChange(chain.changes[1]!.change)!.change;
    const forged = signMembershipChange({ ...early, action: 'add', name: 'Ops', targets: [member(mallory)] }, makeUser('alice').identity);
    const tampered = { ...chain, changes: chain.changes.map((c, i) => (i === 1 ? { ...c, change: forged } : c)) };
    const carolSees = await shownTo('carol', tampered, directoryOf(alice, bob, carol, mallory));
    expect(carolSees.view.refused).toEqual({ index: 1, reason: 'bad-signature' });
    expect(carolSees.chains.state(7)!.length).toBe(1);
    expect(carolSees.view.members.map((m) => m.username)).toEqual(['alice', 'bob']);
    expect(carolSees.security.at(-1)!.kind).toBe('membership-refused');
    // Verified but not a member there: nothing of hers to start from, so the lines verified so far.
    expect(carolSees.words).toEqual(['alice created the group “Ops” with bob']);
  });
});

describe('words', () => {
  test('membership lines from each side', () => {
    const line = { index: 1, afterSeq: 0, actor: 'alice', ts: 0 } as const;
    expect(describeMembershipLine({ ...line, action: 'add', targets: ['carol', 'dave'] }, 'bob')).toBe('alice added carol and dave');
    expect(describeMembershipLine({ ...line, action: 'add', targets: ['bob', 'carol', 'dave'], role: 'admin' }, 'bob')).toBe('alice added you, carol and dave as admins');
    expect(describeMembershipLine({ ...line, action: 'rename', targets: [], name: 'Ops' }, 'alice')).toBe('you renamed the group to “Ops”');
    expect(describeMembershipLine({ ...line, actor: 'bob', action: 'leave', targets: [] }, 'alice')).toBe('bob left');
    expect(describeMembershipLine({ ...line, action: 'remove', targets: ['bob'] }, 'bob')).toBe('alice removed you');
    expect(describeMembershipLine({ ...line, action: 'set-role', targets: ['bob'], role: 'owner' }, 'carol')).toBe('alice made bob an owner');
  });

  test('mentions are whole words, case sensitive', () => {
    expect(mentions('hi @bob', 'bob')).toBe(true);
    expect(mentions('@bob, look', 'bob')).toBe(true);
    expect(mentions('ask @bob.', 'bob')).toBe(true);
    expect(mentions('ask @bobby', 'bob')).toBe(false);
    expect(mentions('mail x@bob', 'bob')).toBe(false);
    expect(mentions('hi @Bob', 'bob')).toBe(false);
    expect(mentions('hi @bob.smith', 'bob')).toBe(false);
    expect(mentions('hi @bob.smith', 'bob.smith')).toBe(true);
    expect(mentions('bob', 'bob')).toBe(false);
  });
});

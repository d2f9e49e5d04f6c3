// changeGroup: the next signed change, verified against the stored chain and the actor's published keys; races and forgeries store nothing.
import { expect, test } from 'vitest';
import { describeStores, newKeys, type Account, type HandlerHarness } from '../../../test/helpers/handler-harness.js';
import { at1, TestChain } from '../../../test/helpers/groups.js';
import { COMMIT_FAILED } from '../../../test/helpers/store-kinds.js';
import { changeGroup } from './change-group.js';
import { createGroup } from './create-group.js';
import { groupState } from './group-state.js';
import { history } from './history.js';
import { readMarks } from './read-marks.js';


/** alice (owner), bob (admin) and carol in a group; dave and mallory outside it. */
async function club(h: HandlerHarness) {
  const [alice, bob, carol, dave, mallory] = [await h.account('alice'), await h.account('bob'), await h.account('carol'), await h.account('dave'), await h.account('mallory')];
  const chain = new TestChain();
  const first = chain.stored(chain.next(alice, 'create', [at1(alice, 'owner'), at1(bob, 'admin'), at1(carol)]));
  const { conversation } = await h.handle(createGroup, { type: 'createGroup', change: first }, alice.conn);
  const id = conversation.id;
  const change = (by: Account, text: string) => h.handle(changeGroup, { type: 'changeGroup', conversationId: id, change: text }, by.conn);
  return { alice, bob, carol, dave, mallory, chain, id, change };
}

const groupMessage = (h: HandlerHarness, from: Account, conversationId: number, clientMsgId: string) =>
  h.store.appendMessages([{ senderId: from.id, from: from.username, conversationId, clientMsgId, body: `p3.${clientMsgId}`, ts: 1 }]);

await describeStores((harness) => {
  test('an admin adds a member: stored at the next index, every member before and after hears of it', async () => {
    const h = harness();
    const { alice, bob, carol, dave, chain, id, change } = await club(h);
    await groupMessage(h, alice, id, 'before');
    const add = chain.next(bob, 'add', [at1(dave)]);
    expect(await change(bob, add)).toEqual({ index: 1 });
    chain.stored(add);
    for (const member of [alice, carol, dave]) {
      expect(member.conn.framesOf('membership').at(-1)).toEqual({ type: 'membership', conversationId: id, index: 1, change: add, afterSeq: 1 });
    }
    // bob's connection made the change: it has the reply, and only the creation's event.
    expect(bob.conn.framesOf('membership').map((f) => f.index)).toEqual([0]);
    // dave joined after the first message: the group hides its history, so his window starts after it.
    await groupMessage(h, carol, id, 'after');
    const page = await h.handle(history, { type: 'history', conversationId: id }, dave.conn);
    expect(page.messages.map((m) => m.clientMsgId)).toEqual(['after']);
    expect(await h.store.conversation(dave.id, id)).toMatchObject({ kind: 'group', role: 'member', memberCount: 4, unread: 1, chainLength: 2 });
    const state = await h.handle(groupState, { type: 'groupState', conversationId: id }, dave.conn);
    expect(state.changes.map((c) => c.change)).toEqual([expect.any(String), add]);
    expect(state.changes.map((c) => c.afterSeq)).toEqual([0, 1]);
    expect(state.more).toBe(false);
  });

  test('roles: a member may not add, the last owner may not leave; nothing is stored', async () => {
    const h = harness();
    const { alice, carol, dave, chain, change } = await club(h);
    await h.refuses('NOT_ALLOWED', () => change(carol, chain.next(carol, 'add', [at1(dave)])));
    await h.refuses('LAST_OWNER', () => change(alice, chain.next(alice, 'leave')));
    await h.refuses('INVALID_GROUP_NAME', () => change(alice, chain.next(alice, 'rename', [], { name: 'a\u202eb' })));
    await h.refuses('USER_NOT_FOUND', () => change(alice, chain.next(alice, 'add', [at1('nobody')])));
  });

  test('two admins race for one index: one is stored, the other gets MEMBERSHIP_CONFLICT and nothing of it is stored', async () => {
    const h = harness();
    const { alice, bob, dave, mallory, chain, id, change } = await club(h);
    const byAlice = chain.next(alice, 'add', [at1(dave)]);
    const byBob = chain.next(bob, 'add', [at1(mallory)]);
    // bob's change is stored after alice's was checked and before hers is written.
    h.raceBefore('appendMembershipChange', () => change(bob, byBob));
    await expect(change(alice, byAlice)).rejects.toMatchObject({ code: 'MEMBERSHIP_CONFLICT' });
    expect((await h.store.membershipChanges(id)).slice(1)).toEqual([byBob]);
    // Sent again after the race, the same change is behind the head: a conflict too, with nothing written.
    await h.refuses('MEMBERSHIP_CONFLICT', () => change(alice, byAlice));
  });

  test('a hostile client: a non-member, another actor, a key never published, a change out of turn or of another group, all refused', async () => {
    const h = harness();
    const { alice, bob, carol, dave, mallory, chain, change } = await club(h);
    await h.refuses('CONVERSATION_NOT_FOUND', () => change(mallory, chain.next(mallory, 'add', [at1(dave)])));
    await h.refuses('INVALID_MEMBERSHIP', () => change(carol, chain.next(bob, 'add', [at1(dave)])));
    await h.refuses('INVALID_MEMBERSHIP', () => change(bob, chain.next(bob, 'add', [at1(dave)], { signer: newKeys('bob').identity })));
    await h.refuses('INVALID_MEMBERSHIP', () => change(bob, chain.next(bob, 'add', [at1(dave)], { index: 5 })));
    await h.refuses('INVALID_MEMBERSHIP', () => change(bob, new TestChain().next(bob, 'add', [at1(dave)], { index: 1 })));
    await h.refuses('INVALID_MEMBERSHIP', () => change(alice, chain.next(alice, 'create', [at1(alice, 'owner')], { index: 1 })));
    // A change whose prev is not the stored head (a fork).
    await h.refuses('INVALID_MEMBERSHIP', () => change(bob, chain.next(bob, 'add', [at1(dave)], { prev: new Uint8Array(32).fill(7) })));
  });

  test('a removed member learns of it, reads up to it, and is then out: no state past it, no read marks, no changes', async () => {
    const h = harness();
    const { alice, bob, carol, dave, chain, id, change } = await club(h);
    await groupMessage(h, bob, id, 'one');
    const remove = chain.stored(chain.next(alice, 'remove', [at1(carol)]));
    await change(alice, remove);
    expect(carol.conn.framesOf('membership').at(-1)).toMatchObject({ index: 1, change: remove });
    await groupMessage(h, bob, id, 'two');
    const rename = chain.stored(chain.next(alice, 'rename', [], { name: 'renamed' }));
    chain.name = 'renamed';
    await change(alice, rename);
    expect(carol.conn.framesOf('membership')).toHaveLength(2);
    const state = await h.handle(groupState, { type: 'groupState', conversationId: id }, carol.conn);
    expect(state.changes.map((c) => c.change)).toEqual([expect.any(String), remove]);
    expect((await h.handle(history, { type: 'history', conversationId: id }, carol.conn)).messages.map((m) => m.clientMsgId)).toEqual(['one']);
    expect((await h.store.messagesAfter(carol.id, 0, 10)).map((m) => m.clientMsgId)).toEqual(['one']);
    expect(await h.store.conversation(carol.id, id)).toMatchObject({ role: null, lastSeq: 1, lastMessage: { clientMsgId: 'one' } });
    await h.refuses('CONVERSATION_NOT_FOUND', () => h.handle(readMarks, { type: 'readMarks', conversationId: id }, carol.conn));
    await h.refuses('CONVERSATION_NOT_FOUND', () => change(carol, chain.next(carol, 'leave')));
    const marks = await h.handle(readMarks, { type: 'readMarks', conversationId: id }, bob.conn);
    expect(marks.marks.map((m) => m.username)).toEqual(['alice', 'bob']);
    void dave;
  });

  test('groupState pages the chain', async () => {
    const h = harness();
    const { alice, chain, id, change } = await club(h);
    for (const name of ['b', 'c', 'd']) {
      chain.name = name;
      await change(alice, chain.stored(chain.next(alice, 'rename', [], { name })));
    }
    const first = await h.handle(groupState, { type: 'groupState', conversationId: id, limit: 3 }, alice.conn);
    expect([first.changes.length, first.more]).toEqual([3, true]);
    const rest = await h.handle(groupState, { type: 'groupState', conversationId: id, fromIndex: 3, limit: 3 }, alice.conn);
    expect([rest.changes.length, rest.more]).toEqual([1, false]);
  });

  test('a failed COMMIT stores nothing, leaves the verified chain where it was, and the same change then succeeds', async () => {
    const h = harness();
    const { alice, bob, dave, chain, id, change } = await club(h);
    const add = chain.next(bob, 'add', [at1(dave)]);
    const before = await h.rows();
    const cleared = await h.db.failCommits('membership_changes');
    await expect(change(bob, add)).rejects.toThrow(COMMIT_FAILED);
    await cleared();
    expect(await h.rows()).toMatchObject({ membership_changes: before.membership_changes, conversation_members: before.conversation_members });
    expect(await h.store.peersOf(dave.id, id)).toBeUndefined();
    expect(await change(bob, add)).toEqual({ index: 1 });
    expect(await h.store.peersOf(dave.id, id)).toHaveLength(3);
    void alice;
  });
});

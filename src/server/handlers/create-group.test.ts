// createGroup: a group from its creator's signed first change, verified with their published keys; a refusal or failure stores nothing.
import { expect, test } from 'vitest';
import { describeStores, newKeys, type HandlerHarness } from '../../../test/helpers/handler-harness.js';
import { at1, TestChain } from '../../../test/helpers/groups.js';
import { COMMIT_FAILED } from '../../../test/helpers/store-kinds.js';
import { createGroup } from './create-group.js';


async function three(h: HandlerHarness) {
  return { alice: await h.account('alice'), bob: await h.account('bob'), carol: await h.account('carol') };
}

await describeStores((harness) => {
  test('creates the group from the signed change: a summary for the creator, a membership event for every other member', async () => {
    const h = harness();
    const { alice, bob, carol } = await three(h);
    const chain = new TestChain();
    const change = chain.next(alice, 'create', [at1(alice, 'owner'), at1(bob, 'admin'), at1(carol)]);
    const { conversation } = await h.handle(createGroup, { type: 'createGroup', change }, alice.conn);
    expect(conversation).toMatchObject({ kind: 'group', groupId: chain.groupId, name: 'club', memberCount: 3, role: 'owner', lastSeq: 0, chainLength: 1 });
    for (const member of [bob, carol]) {
      expect(member.conn.framesOf('membership')).toEqual([{ type: 'membership', conversationId: conversation.id, index: 0, change, afterSeq: 0 }]);
    }
    // The creating connection has the reply.
    expect(alice.conn.framesOf('membership')).toEqual([]);
    expect(await h.store.conversation(bob.id, conversation.id)).toMatchObject({ role: 'admin' });
    expect(await h.store.membershipChanges(conversation.id)).toEqual([change]);
  });

  test('refuses an unknown member, a bad name, a change signed by someone else or with another key, and a non-create: nothing stored', async () => {
    const h = harness();
    const { alice, bob, carol } = await three(h);
    const chain = new TestChain();
    const members = [at1(alice, 'owner'), at1(bob)];
    const send = (change: string) => () => h.handle(createGroup, { type: 'createGroup', change }, alice.conn);
    await h.refuses('USER_NOT_FOUND', send(chain.next(alice, 'create', [...members, at1('nobody')])));
    await h.refuses('INVALID_GROUP_NAME', send(chain.next(alice, 'create', members, { name: ' club' })));
    // alice posts bob's change, and a change naming alice that carol's keys signed.
    await h.refuses('INVALID_MEMBERSHIP', send(chain.next(bob, 'create', [at1(alice), at1(bob, 'owner')])));
    await h.refuses('INVALID_MEMBERSHIP', send(chain.next(alice, 'create', members, { signer: { ...carol.identity!, keyVersion: 1 } })));
    // A key the server never published for alice.
    await h.refuses('INVALID_MEMBERSHIP', send(chain.next(alice, 'create', members, { signer: newKeys('alice').identity })));
    await h.refuses('INVALID_MEMBERSHIP', send(chain.next(alice, 'add', [at1(bob)])));
    // The creator must be an owner; a target at a key version that is not their current one.
    await h.refuses('INVALID_MEMBERSHIP', send(chain.next(alice, 'create', [at1(alice, 'admin'), at1(bob, 'owner')])));
    await h.refuses('INVALID_MEMBERSHIP', send(chain.next(alice, 'create', [at1(alice, 'owner'), { ...at1(bob), keyVersion: 2 }])));
    expect(bob.conn.framesOf('membership')).toEqual([]);
  });

  test('a failed COMMIT leaves nothing, and the same change then succeeds', async () => {
    const h = harness();
    const { alice, bob } = await three(h);
    const chain = new TestChain();
    const change = chain.next(alice, 'create', [at1(alice, 'owner'), at1(bob)]);
    const before = await h.rows();
    const cleared = await h.db.failCommits('membership_changes');
    await expect(h.handle(createGroup, { type: 'createGroup', change }, alice.conn)).rejects.toThrow(COMMIT_FAILED);
    await cleared();
    expect(await h.rows()).toEqual(before);
    expect(bob.conn.framesOf('membership')).toEqual([]);
    const { conversation } = await h.handle(createGroup, { type: 'createGroup', change }, alice.conn);
    expect(conversation.chainLength).toBe(1);
  });

  test('a second group with the same id is refused', async () => {
    const h = harness();
    const { alice, bob } = await three(h);
    const chain = new TestChain();
    const change = chain.next(alice, 'create', [at1(alice, 'owner'), at1(bob)]);
    await h.handle(createGroup, { type: 'createGroup', change }, alice.conn);
    await h.refuses('INVALID_MEMBERSHIP', () => h.handle(createGroup, { type: 'createGroup', change }, alice.conn));
  });
});

// addEpoch for a group: ek3 copies, one per member of the stored chain, each naming its state; anything else stores nothing.
import { expect, test } from 'vitest';
import { harnessPerTest, type Account, type HandlerHarness } from '../../../test/helpers/handler-harness.js';
import { at1, TestChain } from '../../../test/helpers/groups.js';
import { newEpochKey, publicIdentityOf, sealGroupEpochKey, verifyChain, type GroupState } from '../../shared/crypto/index.js';
import { addEpoch } from './add-epoch.js';
import { createGroup } from './create-group.js';

const harness = harnessPerTest();

async function club(h: HandlerHarness) {
  const [alice, bob, carol] = [await h.account('alice'), await h.account('bob'), await h.account('carol')];
  const chain = new TestChain();
  const first = chain.stored(chain.next(alice, 'create', [at1(alice, 'owner'), at1(bob, 'admin'), at1(carol)]));
  const { conversation } = await h.handle(createGroup, { type: 'createGroup', change: first }, alice.conn);
  const keys = (name: string, version: number) => {
    const account = [alice, bob, carol].find((a) => a.username === name);
    return account && version === 1 ? publicIdentityOf(account.identity!, name) : undefined;
  };
  const verified = verifyChain({ changes: [first], keys });
  if (!verified.ok) throw new Error(verified.reason);
  return { alice, bob, carol, id: conversation.id, state: verified.state };
}

function copy(creator: Account, recipient: Account, where: { conversationId: number; epoch: number; state: GroupState; chainLength?: number }): string {
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

test('stores one ek3 copy per member of the chain and hands each member theirs', async () => {
  const h = harness();
  const { alice, bob, carol, id, state } = await club(h);
  const keys = [alice, bob, carol].map((r) => ({ recipient: r.username, sealed: copy(alice, r, { conversationId: id, epoch: 1, state }) }));
  expect(await h.handle(addEpoch, { type: 'addEpoch', conversationId: id, epoch: 1, keys }, alice.conn)).toEqual({ epoch: 1 });
  expect(carol.conn.framesOf('epoch')).toEqual([{ type: 'epoch', conversationId: id, epoch: 1, creator: 'alice', sealed: keys[2]!.sealed }]);
  expect(await h.store.conversation(bob.id, id)).toMatchObject({ epoch: 1 });
});

test('refuses a missing member, another chain state, another conversation, an ek2-style direct copy, and paging: nothing stored', async () => {
  const h = harness();
  const { alice, bob, carol, id, state } = await club(h);
  const all = (over: Partial<{ conversationId: number; chainLength: number }> = {}) =>
    [alice, bob, carol].map((r) => ({ recipient: r.username, sealed: copy(alice, r, { conversationId: id, epoch: 1, state, ...over }) }));
  const send = (keys: { recipient: string; sealed: string }[], more?: true) => () =>
    h.handle(addEpoch, { type: 'addEpoch', conversationId: id, epoch: 1, keys, ...(more ? { more } : {}) }, alice.conn);
  await h.refuses('INVALID_KEYS', send(all().slice(0, 2)));
  await h.refuses('INVALID_KEYS', send(all({ chainLength: 2 })));
  await h.refuses('INVALID_KEYS', send(all({ conversationId: id + 1 })));
  await h.refuses('INVALID_KEYS', send(all(), true));
  await h.refuses('INVALID_KEYS', send([...all(), { recipient: 'carol', sealed: all()[2]!.sealed }]));
});

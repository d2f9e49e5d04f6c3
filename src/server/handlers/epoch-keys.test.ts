// epochKeys: the caller's own sealed copy of each of a conversation's keys, every epoch, for members only.
import { expect, test } from 'vitest';
import { describeStores, type Account } from '../../../test/helpers/handler-harness.js';
import { club, copies } from '../../../test/helpers/group-epochs.js';
import { at1 } from '../../../test/helpers/groups.js';
import type { GroupState } from '../../shared/crypto/index.js';
import { addEpoch } from './add-epoch.js';
import { epochKeys } from './epoch-keys.js';

await describeStores((harness) => {
  test('each member gets their own copies, epoch by epoch, with who made each', async () => {
    const h = harness();
    const alice = await h.account('alice');
    const bob = await h.account('bob');
    const id = await h.conversation(alice, bob);
    const copies = (epoch: number) => [
      { recipientId: alice.id, recipientKeyVersion: 1, sealed: `ek2.alice-${epoch}` },
      { recipientId: bob.id, recipientKeyVersion: 1, sealed: `ek2.bob-${epoch}` },
    ];
    await h.store.addEpoch(id, 1, alice.id, copies(1), h.clock.now);
    await h.store.addEpoch(id, 2, bob.id, copies(2), h.clock.now);

    expect(await h.handle(epochKeys, { type: 'epochKeys', conversationId: id }, bob.conn)).toEqual({
      epochs: [
        { epoch: 1, creator: 'alice', sealed: 'ek2.bob-1' },
        { epoch: 2, creator: 'bob', sealed: 'ek2.bob-2' },
      ],
    });
    expect((await h.handle(epochKeys, { type: 'epochKeys', conversationId: id }, alice.conn)).epochs.map((e) => e.sealed)).toEqual(['ek2.alice-1', 'ek2.alice-2']);
  });

  test('a conversation the caller is not in is CONVERSATION_NOT_FOUND', async () => {
    const h = harness();
    const { carol, id } = await h.twoAndAnOutsider();
    await h.refuses('CONVERSATION_NOT_FOUND', () => h.handle(epochKeys, { type: 'epochKeys', conversationId: id }, carol.conn));
  });

  test('a member removed from a group still gets the epochs up to their removal, and none made after it', async () => {
    const h = harness();
    const { alice, bob, carol, id, state, change } = await club(h);
    const add = (epoch: number, at: GroupState, recipients: Account[]) =>
      h.handle(addEpoch, { type: 'addEpoch', conversationId: id, epoch, keys: copies(alice, recipients, { conversationId: id, epoch, state: at }) }, alice.conn);
    await add(1, state, [alice, bob, carol]);
    const after = await change(alice, 'remove', [at1(carol)]);
    await add(2, after, [alice, bob]);
    expect((await h.handle(epochKeys, { type: 'epochKeys', conversationId: id }, carol.conn)).epochs.map((e) => e.epoch)).toEqual([1]);
    expect((await h.handle(epochKeys, { type: 'epochKeys', conversationId: id }, bob.conn)).epochs.map((e) => e.epoch)).toEqual([1, 2]);
    const dave = await h.account('dave');
    await h.refuses('CONVERSATION_NOT_FOUND', () => h.handle(epochKeys, { type: 'epochKeys', conversationId: id }, dave.conn));
  });
});

// addEpoch for a group: ek3 copies, one per member of the stored chain, each naming its state; anything else stores nothing.
import { expect, test } from 'vitest';
import { describeStores } from '../../../test/helpers/handler-harness.js';
import { club, copy } from '../../../test/helpers/group-epochs.js';
import { addEpoch } from './add-epoch.js';

await describeStores((harness) => {
  test('stores one ek3 copy per member of the chain and hands each member theirs', async () => {
    const h = harness();
    const { alice, bob, carol, id, state } = await club(h);
    const keys = [alice, bob, carol].map((r) => ({ recipient: r.username, sealed: copy(alice, r, { conversationId: id, epoch: 1, state }) }));
    expect(await h.handle(addEpoch, { type: 'addEpoch', conversationId: id, epoch: 1, keys }, alice.conn)).toEqual({ epoch: 1 });
    expect(carol.conn.framesOf('epoch')).toEqual([{ type: 'epoch', conversationId: id, epoch: 1, creator: 'alice', sealed: keys[2]!.sealed }]);
    expect(await h.store.conversation(bob.id, id)).toMatchObject({ epoch: 1 });
  });

  test('refuses a missing member, another chain state, another conversation, a member twice: nothing stored', async () => {
    const h = harness();
    const { alice, bob, carol, id, state } = await club(h);
    const all = (over: Partial<{ conversationId: number; chainLength: number }> = {}) =>
      [alice, bob, carol].map((r) => ({ recipient: r.username, sealed: copy(alice, r, { conversationId: id, epoch: 1, state, ...over }) }));
    const send = (keys: { recipient: string; sealed: string }[], more?: true) => () =>
      h.handle(addEpoch, { type: 'addEpoch', conversationId: id, epoch: 1, keys, ...(more ? { more } : {}) }, alice.conn);
    await h.refuses('INVALID_KEYS', send(all().slice(0, 2)));
    await h.refuses('INVALID_KEYS', send(all({ chainLength: 2 })));
    await h.refuses('INVALID_KEYS', send(all({ conversationId: id + 1 })));
    await h.refuses('INVALID_KEYS', send([...all(), { recipient: 'carol', sealed: all()[2]!.sealed }]));
    expect(await h.store.conversation(alice.id, id)).toMatchObject({ epoch: 0 });
    expect(await h.store.epochKeys(alice.id, id)).toEqual([]);
  });
});

// addEpoch for a group in several frames (`more`) and for an earlier epoch (shared history): pending until complete,
// only its creator adds to it, replaced once stale or overtaken; every refusal stores nothing.
import { expect, test } from 'vitest';
import { describeStores, type Account, type HandlerHarness } from '../../../test/helpers/handler-harness.js';
import { club, copies } from '../../../test/helpers/group-epochs.js';
import type { GroupState } from '../../shared/crypto/index.js';
import { addEpoch } from './add-epoch.js';
import { PENDING_EPOCH_MS } from './group-epoch.js';


/** Sends one frame of `epoch` from `creator` with copies for `recipients`. */
const page = (h: HandlerHarness, id: number, state: GroupState, creator: Account, recipients: Account[], over: { epoch?: number; more?: true } = {}) =>
  h.handle(
    addEpoch,
    { type: 'addEpoch', conversationId: id, epoch: over.epoch ?? 1, keys: copies(creator, recipients, { conversationId: id, epoch: over.epoch ?? 1, state }), ...(over.more ? { more: true } : {}) },
    creator.conn,
  );

await describeStores((harness) => {
  test('pages stay pending, with no events and no key to fetch, until the last completes the epoch for every member at once', async () => {
    const h = harness();
    const { alice, bob, carol, id, state } = await club(h);
    expect(await page(h, id, state, alice, [alice, bob], { more: true })).toEqual({ epoch: 1 });
    expect(bob.conn.framesOf('epoch')).toEqual([]);
    expect(await h.store.epochKeys(bob.id, id)).toEqual([]);
    expect(await h.store.conversation(bob.id, id)).toMatchObject({ epoch: 0 });

    expect(await page(h, id, state, alice, [carol])).toEqual({ epoch: 1 });
    expect(await h.store.conversation(bob.id, id)).toMatchObject({ epoch: 1 });
    const [bobs] = await h.store.epochKeys(bob.id, id);
    expect(bob.conn.framesOf('epoch')).toEqual([{ type: 'epoch', conversationId: id, epoch: 1, creator: 'alice', sealed: bobs!.sealed }]);
    expect(carol.conn.framesOf('epoch')).toHaveLength(1);
  });

  test('a page from someone else, a duplicate copy and a completion missing a member are refused, storing nothing', async () => {
    const h = harness();
    const { alice, bob, carol, id, state } = await club(h);
    await page(h, id, state, alice, [alice], { more: true });
    await h.refuses('EPOCH_CONFLICT', () => page(h, id, state, bob, [bob], { more: true }));
    await h.refuses('EPOCH_CONFLICT', () => page(h, id, state, bob, [alice, bob, carol]));
    await h.refuses('INVALID_KEYS', () => page(h, id, state, alice, [alice, bob], { more: true }));
    await h.refuses('INVALID_KEYS', () => page(h, id, state, alice, [bob]));
    await h.refuses('EPOCH_CONFLICT', () => page(h, id, state, alice, [bob, carol], { epoch: 2 }));
    expect(await h.store.conversation(alice.id, id)).toMatchObject({ epoch: 0 });
    expect((await h.rows())['epoch_keys']).toHaveLength(1);
    // The creator still completes it.
    await page(h, id, state, alice, [bob, carol]);
    expect(await h.store.conversation(alice.id, id)).toMatchObject({ epoch: 1 });
    expect(bob.conn.framesOf('epoch')).toHaveLength(1);
  });

  test('a pending epoch older than a minute, or overtaken by a membership change, is replaced by another member’s', async () => {
    const h = harness();
    const { alice, bob, carol, id, state, add } = await club(h);
    await page(h, id, state, alice, [alice], { more: true });
    h.clock.now += PENDING_EPOCH_MS + 1;
    await page(h, id, state, bob, [alice, bob, carol]);
    expect(await h.store.conversation(alice.id, id)).toMatchObject({ epoch: 1 });
    expect((await h.store.epochKeys(alice.id, id)).map((e) => e.creator)).toEqual(['bob']);

    // Its own creator restarts a stale one (a page naming a member it holds): refused while fresh.
    await page(h, id, state, bob, [alice], { epoch: 2, more: true });
    await h.refuses('INVALID_KEYS', () => page(h, id, state, bob, [alice, bob, carol], { epoch: 2 }));
    h.clock.now += PENDING_EPOCH_MS + 1;
    await page(h, id, state, bob, [alice, bob, carol], { epoch: 2 });
    expect(await h.store.conversation(alice.id, id)).toMatchObject({ epoch: 2 });

    await page(h, id, state, carol, [alice, carol], { epoch: 3, more: true });
    const { newcomer: dave, state: after } = await add(alice, 'dave');
    // Carol's pages name the chain before dave: refused; anyone may start epoch 3 afresh for the new chain.
    await h.refuses('INVALID_KEYS', () => page(h, id, state, carol, [bob], { epoch: 3 }));
    await page(h, id, after, bob, [alice, bob, carol, dave], { epoch: 3 });
    expect(await h.store.conversation(dave.id, id)).toMatchObject({ epoch: 3 });
    expect((await h.store.epochKeys(carol.id, id)).map((e) => [e.epoch, e.creator])).toEqual([[1, 'bob'], [2, 'bob'], [3, 'bob']]);
  });

  /** A group with the history setting: epoch 1, then dave added and epoch 2 for the new chain. */
  async function daveJoins(h: HandlerHarness, history: 'hidden' | 'shared') {
    const { alice, bob, carol, id, state, add } = await club(h, history);
    await page(h, id, state, alice, [alice, bob, carol]);
    const { newcomer: dave, state: after } = await add(alice, 'dave');
    await page(h, id, after, alice, [alice, bob, carol, dave], { epoch: 2 });
    return { alice, bob, dave, id, after, reseal: () => page(h, id, after, alice, [dave], { epoch: 1 }) };
  }

  test('shared history: an earlier epoch re-sealed to a newcomer without a copy, delivered; refused for a member with one', async () => {
    const h = harness();
    const { alice, bob, dave, id, after, reseal } = await daveJoins(h, 'shared');
    await reseal();
    expect((await h.store.epochKeys(dave.id, id)).map((e) => e.epoch)).toEqual([1, 2]);
    expect(dave.conn.framesOf('epoch').map((e) => e['epoch'])).toEqual([2, 1]);
    await h.refuses('INVALID_KEYS', reseal);
    await h.refuses('INVALID_KEYS', () => page(h, id, after, alice, [bob], { epoch: 1 }));
    // An epoch nobody completed is no history to share.
    await h.refuses('EPOCH_CONFLICT', () => page(h, id, after, alice, [dave], { epoch: 4 }));
  });

  test('hidden history: an earlier epoch for a newcomer is INVALID_KEYS', async () => {
    const h = harness();
    const { dave, id, reseal } = await daveJoins(h, 'hidden');
    await h.refuses('INVALID_KEYS', reseal);
    expect((await h.store.epochKeys(dave.id, id)).map((e) => e.epoch)).toEqual([2]);
  });
});

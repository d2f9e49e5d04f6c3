// addEpoch: a conversation key sealed once to each member at their current key version, stored all together or not at all.
import { describe, expect, test } from 'vitest';
import { type Account, describeStores, harnessPerTest, type HandlerHarness, newKeys } from '../../../test/helpers/handler-harness.js';
import { type Member, newEpochKey, publicIdentityOf, sealEpochKey } from '../../shared/crypto/index.js';
import { DEFAULT_RATE_LIMITS } from '../limits/rate-limits.js';
import { addEpoch } from './add-epoch.js';

const at1 = (...accounts: Account[]): Member[] => accounts.map((a) => ({ username: a.username, keyVersion: 1 }));

/** `creator`'s copy of a new key for `recipient`, naming this conversation, epoch and member set (both at key version 1 unless told). */
function sealed(creator: Account, recipient: Account, where: { conversationId: number; epoch: number; members?: Member[] }): string {
  return sealEpochKey({
    epochKey: newEpochKey(),
    conversationId: where.conversationId,
    epoch: where.epoch,
    recipient: publicIdentityOf(recipient.identity!, recipient.username),
    creator: creator.identity!,
    creatorName: creator.username,
    members: where.members ?? at1(creator, recipient),
  });
}

/** alice (on a second device too) and bob in a conversation, and carol outside it. */
async function scene(h: HandlerHarness) {
  const three = await h.twoAndAnOutsider();
  return { ...three, alicePhone: await h.anotherDevice(three.alice) };
}

await describeStores((harness, kind) => {
  test('stores each member’s copy, moves the conversation to the epoch and hands each member theirs', async () => {
    const h = harness();
    const { alice, bob, id, alicePhone } = await scene(h);
    const keys = [
      { recipient: 'alice', sealed: sealed(alice, alice, { conversationId: id, epoch: 1, members: at1(alice, bob) }) },
      { recipient: 'bob', sealed: sealed(alice, bob, { conversationId: id, epoch: 1 }) },
    ];
    expect(await h.handle(addEpoch, { type: 'addEpoch', conversationId: id, epoch: 1, keys }, alice.conn)).toEqual({ epoch: 1 });

    expect(await h.store.epochKeys(bob.id, id)).toEqual([{ epoch: 1, creator: 'alice', sealed: keys[1]!.sealed }]);
    expect(await h.store.epochKeys(alice.id, id)).toEqual([{ epoch: 1, creator: 'alice', sealed: keys[0]!.sealed }]);
    expect((await h.store.conversation(alice.id, id))?.epoch).toBe(1);
    const event = (sealedKey: string) => ({ type: 'epoch', conversationId: id, epoch: 1, creator: 'alice', sealed: sealedKey });
    expect(bob.conn.framesOf('epoch')).toEqual([event(keys[1]!.sealed)]);
    expect(alicePhone.conn.framesOf('epoch')).toEqual([event(keys[0]!.sealed)]);
    // The connection that made the key has it already.
    expect(alice.conn.framesOf('epoch')).toEqual([]);
  });

  test('an epoch another member added first is EPOCH_CONFLICT', async () => {
    const h = harness();
    const { alice, bob, id } = await scene(h);
    const keysFrom = (creator: Account) => [
      { recipient: 'alice', sealed: sealed(creator, alice, { conversationId: id, epoch: 1, members: at1(alice, bob) }) },
      { recipient: 'bob', sealed: sealed(creator, bob, { conversationId: id, epoch: 1, members: at1(alice, bob) }) },
    ];
    await h.handle(addEpoch, { type: 'addEpoch', conversationId: id, epoch: 1, keys: keysFrom(bob) }, bob.conn);
    await h.refuses('EPOCH_CONFLICT', () => h.handle(addEpoch, { type: 'addEpoch', conversationId: id, epoch: 1, keys: keysFrom(alice) }, alice.conn));
    expect(alice.conn.framesOf('epoch')).toHaveLength(1);
  });

  test('not exactly one copy per member is INVALID_KEYS: one missing, one twice, one for an outsider or a stranger', async () => {
    const h = harness();
    const { alice, bob, carol, id } = await scene(h);
    const forAlice = { recipient: 'alice', sealed: sealed(alice, alice, { conversationId: id, epoch: 1, members: at1(alice, bob) }) };
    const forBob = { recipient: 'bob', sealed: sealed(alice, bob, { conversationId: id, epoch: 1 }) };
    const forCarol = { recipient: 'carol', sealed: sealed(alice, carol, { conversationId: id, epoch: 1, members: at1(alice, bob, carol) }) };
    for (const keys of [[forAlice], [forAlice, forBob, forBob], [forAlice, forBob, forCarol], [forAlice, { ...forBob, recipient: 'nobody' }]]) {
      await h.refuses('INVALID_KEYS', () => h.handle(addEpoch, { type: 'addEpoch', conversationId: id, epoch: 1, keys }, alice.conn));
    }
    expect(bob.conn.framesOf('epoch')).toEqual([]);
  });

  test('a copy that names another conversation, epoch, key version or member set is INVALID_KEYS', async () => {
    const h = harness();
    const { alice, bob, carol, id } = await scene(h);
    const other = await h.conversation(alice, carol);
    const forAlice = { recipient: 'alice', sealed: sealed(alice, alice, { conversationId: id, epoch: 1, members: at1(alice, bob) }) };
    const bobs = [
      sealed(alice, bob, { conversationId: other, epoch: 1 }),
      sealed(alice, bob, { conversationId: id, epoch: 2 }),
      sealed(alice, bob, { conversationId: id, epoch: 1, members: at1(alice, bob, carol) }),
      'ek2.not-a-sealed-key',
    ];
    for (const copy of bobs) {
      const error = await h.refuses('INVALID_KEYS', () =>
        h.handle(addEpoch, { type: 'addEpoch', conversationId: id, epoch: 1, keys: [forAlice, { recipient: 'bob', sealed: copy }] }, alice.conn),
      );
      expect(error.message).toContain('bob');
    }
  });

  test('a copy sealed to a key version the member has since reset is INVALID_KEYS', async () => {
    const h = harness();
    const { alice, bob, id } = await scene(h);
    const { keys: reset } = newKeys('bob', 2);
    await h.store.resetKeys({ userId: bob.id, keepSessionId: bob.session.sessionId, keyVersion: 2, publicIdentity: reset.publicIdentity, keyBundle: reset.keyBundle, now: h.clock.now });
    const keys = [
      { recipient: 'alice', sealed: sealed(alice, alice, { conversationId: id, epoch: 1, members: at1(alice, bob) }) },
      { recipient: 'bob', sealed: sealed(alice, bob, { conversationId: id, epoch: 1 }) },
    ];
    await h.refuses('INVALID_KEYS', () => h.handle(addEpoch, { type: 'addEpoch', conversationId: id, epoch: 1, keys }, alice.conn));
  });

  test('a member who resets their keys after the copies were checked: INVALID_KEYS, and no copy is stored', async () => {
    const h = harness();
    const { alice, bob, id } = await scene(h);
    const { keys: reset } = newKeys('bob', 2);
    h.raceBefore('addEpoch', () =>
      h.store.resetKeys({ userId: bob.id, keepSessionId: bob.session.sessionId, keyVersion: 2, publicIdentity: reset.publicIdentity, keyBundle: reset.keyBundle, now: h.clock.now }),
    );
    const keys = [
      { recipient: 'alice', sealed: sealed(alice, alice, { conversationId: id, epoch: 1, members: at1(alice, bob) }) },
      { recipient: 'bob', sealed: sealed(alice, bob, { conversationId: id, epoch: 1 }) },
    ];
    await expect(h.handle(addEpoch, { type: 'addEpoch', conversationId: id, epoch: 1, keys }, alice.conn)).rejects.toMatchObject({ code: 'INVALID_KEYS' });
    expect(await h.store.epochKeys(alice.id, id)).toEqual([]);
    expect((await h.store.conversation(alice.id, id))?.epoch).toBe(0);
    expect(bob.conn.framesOf('epoch')).toEqual([]);
  });

  test('a conversation the caller is not in is CONVERSATION_NOT_FOUND', async () => {
    const h = harness();
    const { alice, bob, carol, id } = await scene(h);
    const keys = [
      { recipient: 'alice', sealed: sealed(carol, alice, { conversationId: id, epoch: 1, members: at1(alice, carol) }) },
      { recipient: 'bob', sealed: sealed(carol, bob, { conversationId: id, epoch: 1, members: at1(bob, carol) }) },
    ];
    await h.refuses('CONVERSATION_NOT_FOUND', () => h.handle(addEpoch, { type: 'addEpoch', conversationId: id, epoch: 1, keys }, carol.conn));
    expect(alice.conn.framesOf('epoch')).toEqual([]);
  });

  describe('with one new key an hour per user', () => {
    const limited = harnessPerTest({ rateLimits: { ...DEFAULT_RATE_LIMITS, epochsPerHour: 1 } }, kind);

    test('the second is RATE_LIMITED before anything is checked or stored', async () => {
      const h = limited();
      const { alice, bob, id } = await scene(h);
      const keysFor = (epoch: number) => [
        { recipient: 'alice', sealed: sealed(alice, alice, { conversationId: id, epoch, members: at1(alice, bob) }) },
        { recipient: 'bob', sealed: sealed(alice, bob, { conversationId: id, epoch }) },
      ];
      await h.handle(addEpoch, { type: 'addEpoch', conversationId: id, epoch: 1, keys: keysFor(1) }, alice.conn);
      await h.refuses('RATE_LIMITED', () => h.handle(addEpoch, { type: 'addEpoch', conversationId: id, epoch: 2, keys: keysFor(2) }, alice.conn));
    });
  });
});

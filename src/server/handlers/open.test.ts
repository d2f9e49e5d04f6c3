// open: the direct conversation with any registered user, created once; the two then see each other's presence.
import { expect, test } from 'vitest';
import { describeStores, settle } from '../../../test/helpers/handler-harness.js';
import { open } from './open.js';

await describeStores((harness) => {
  test('creates the conversation on first use and returns the same one after; the two become contacts', async () => {
    const h = harness();
    const alice = await h.account('alice');
    const bob = await h.account('bob');
    await settle();

    const { conversation } = await h.handle(open, { type: 'open', with: 'bob' }, alice.conn);
    expect(conversation).toEqual({ id: expect.any(Number), kind: 'direct', peer: 'bob', lastSeq: 0, readSeq: 0, peerReadSeq: 0, unread: 0, lastMessage: null, epoch: 0 });
    expect((await h.handle(open, { type: 'open', with: 'alice' }, bob.conn)).conversation.id).toBe(conversation.id);
    expect(await h.store.peersOf(alice.id, conversation.id)).toEqual([bob.id]);
    // After the reply, each is told the other is online.
    expect(alice.conn.framesOf('presence')).toEqual([{ type: 'presence', username: 'bob', online: true }]);
    expect(bob.conn.framesOf('presence')).toEqual([{ type: 'presence', username: 'alice', online: true }]);
  });

  test('works with a user who is offline', async () => {
    const h = harness();
    const alice = await h.account('alice');
    const bob = await h.account('bob');
    bob.conn.unauthenticate();
    const { conversation } = await h.handle(open, { type: 'open', with: 'bob' }, alice.conn);
    expect(conversation).toMatchObject({ kind: 'direct', peer: 'bob' });
    expect(alice.conn.framesOf('presence')).toEqual([]);
  });

  test('an unknown user is USER_NOT_FOUND and no conversation is made', async () => {
    const h = harness();
    const alice = await h.account('alice');
    await h.refuses('USER_NOT_FOUND', () => h.handle(open, { type: 'open', with: 'nobody' }, alice.conn));
  });
});

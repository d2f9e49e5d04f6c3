// conversations: the caller's conversations with a message, newest first, each with its last message and unread count.
import { expect, test } from 'vitest';
import { describeStores } from '../../../test/helpers/handler-harness.js';
import { conversations } from './conversations.js';

await describeStores((harness) => {
  test('newest first, with the peer, the last message and what is unread; empty ones and others’ are left out', async () => {
    const h = harness();
    const alice = await h.account('alice');
    const bob = await h.account('bob');
    const carol = await h.account('carol');
    const dave = await h.account('dave');
    const withBob = await h.conversation(alice, bob, ['a1', 'b1', 'a2']);
    const withCarol = await h.conversation(alice, carol, ['c?']);
    await h.conversation(alice, dave);
    await h.conversation(bob, carol, ['not alice’s']);

    const { conversations: list } = await h.handle(conversations, { type: 'conversations' }, alice.conn);
    expect(list.map((c) => [c.id, c.kind === 'direct' ? c.peer : c.name, c.lastSeq, c.unread, c.lastMessage?.body])).toEqual([
      [withCarol, 'carol', 1, 0, 'c?'],
      [withBob, 'bob', 3, 1, 'a2'],
    ]);
    expect((await h.handle(conversations, { type: 'conversations' }, dave.conn)).conversations).toEqual([]);
  });
});

// history: pages of older messages before a seq, oldest first, for members only.
import { expect, test } from 'vitest';
import { describeStores } from '../../../test/helpers/handler-harness.js';
import { history } from './history.js';

await describeStores((harness) => {
  test('the newest page first, then the page before it, oldest first within each', async () => {
    const h = harness();
    const alice = await h.account('alice');
    const bob = await h.account('bob');
    const id = await h.conversation(alice, bob, ['one', 'two', 'three', 'four', 'five']);
    const newest = await h.handle(history, { type: 'history', conversationId: id, limit: 2 }, alice.conn);
    expect(newest.messages.map((m) => [m.seq, m.body])).toEqual([
      [4, 'four'],
      [5, 'five'],
    ]);
    expect(newest.more).toBe(true);
    const older = await h.handle(history, { type: 'history', conversationId: id, before: 4, limit: 3 }, bob.conn);
    expect(older).toEqual({ messages: [expect.objectContaining({ seq: 1 }), expect.objectContaining({ seq: 2 }), expect.objectContaining({ seq: 3 })], more: false });
    expect((await h.handle(history, { type: 'history', conversationId: id }, alice.conn)).messages).toHaveLength(5);
  });

  test('a conversation the caller is not in, or that does not exist, is CONVERSATION_NOT_FOUND', async () => {
    const h = harness();
    const { alice, carol, id } = await h.twoAndAnOutsider(['private']);
    await h.refuses('CONVERSATION_NOT_FOUND', () => h.handle(history, { type: 'history', conversationId: id }, carol.conn));
    await h.refuses('CONVERSATION_NOT_FOUND', () => h.handle(history, { type: 'history', conversationId: id + 100 }, alice.conn));
  });
});

// typing: a hint pushed to the other member and stored nowhere; limited per user.
import { describe, expect, test } from 'vitest';
import { describeStores, harnessPerTest } from '../../../test/helpers/handler-harness.js';
import { DEFAULT_RATE_LIMITS } from '../limits/rate-limits.js';
import { typing } from './typing.js';

await describeStores((harness, kind) => {
  test('the peer is told the caller is typing, then that they stopped; nothing is stored', async () => {
    const h = harness();
    const alice = await h.account('alice');
    const bob = await h.account('bob');
    const id = await h.conversation(alice, bob);
    const before = await h.rows();
    expect(await h.handle(typing, { type: 'typing', conversationId: id }, alice.conn)).toEqual({});
    await h.handle(typing, { type: 'typing', conversationId: id, active: false }, alice.conn);
    expect(bob.conn.framesOf('typing')).toEqual([
      { type: 'typing', conversationId: id, username: 'alice' },
      { type: 'typing', conversationId: id, username: 'alice', active: false },
    ]);
    expect(alice.conn.framesOf('typing')).toEqual([]);
    expect(await h.rows()).toEqual(before);
  });

  test('a conversation the caller is not in is CONVERSATION_NOT_FOUND', async () => {
    const h = harness();
    const { bob, carol, id } = await h.twoAndAnOutsider();
    await h.refuses('CONVERSATION_NOT_FOUND', () => h.handle(typing, { type: 'typing', conversationId: id }, carol.conn));
    expect(bob.conn.framesOf('typing')).toEqual([]);
  });

  describe('with one hint a minute per user', () => {
    const limited = harnessPerTest({ rateLimits: { ...DEFAULT_RATE_LIMITS, typingPerMinute: 1 } }, kind);

    test('the second is RATE_LIMITED and not pushed; the peer has a budget of their own', async () => {
      const h = limited();
      const alice = await h.account('alice');
      const bob = await h.account('bob');
      const id = await h.conversation(alice, bob);
      await h.handle(typing, { type: 'typing', conversationId: id }, alice.conn);
      await h.refuses('RATE_LIMITED', () => h.handle(typing, { type: 'typing', conversationId: id }, alice.conn));
      expect(bob.conn.framesOf('typing')).toHaveLength(1);
      await h.handle(typing, { type: 'typing', conversationId: id }, bob.conn);
    });
  });
});

// read: the read marker moves forward only; the peer and the reader's other devices are told, this one is not.
import { expect, test } from 'vitest';
import { describeStores } from '../../../test/helpers/handler-harness.js';
import { read } from './read.js';

await describeStores((harness) => {
  test('moves the marker and tells the peer and the reader’s other devices', async () => {
    const h = harness();
    const alice = await h.account('alice');
    const bob = await h.account('bob');
    const bobPhone = await h.anotherDevice(bob);
    const id = await h.conversation(alice, bob, ['one', 'two', 'three']);

    expect(await h.handle(read, { type: 'read', conversationId: id, seq: 2 }, bob.conn)).toEqual({ readSeq: 2 });
    const event = { type: 'read', conversationId: id, username: 'bob', seq: 2 };
    expect(alice.conn.framesOf('read')).toEqual([event]);
    expect(bobPhone.conn.framesOf('read')).toEqual([event]);
    expect(bob.conn.framesOf('read')).toEqual([]);
    expect((await h.store.conversation(bob.id, id))?.readSeq).toBe(2);
  });

  test('an older or equal seq changes nothing and tells nobody; a seq past the end reads up to the last message', async () => {
    const h = harness();
    const alice = await h.account('alice');
    const bob = await h.account('bob');
    const id = await h.conversation(alice, bob, ['one', 'two', 'three']);
    await h.handle(read, { type: 'read', conversationId: id, seq: 2 }, bob.conn);
    const before = await h.rows();
    expect(await h.handle(read, { type: 'read', conversationId: id, seq: 1 }, bob.conn)).toEqual({ readSeq: 2 });
    expect(await h.rows()).toEqual(before);
    expect(alice.conn.framesOf('read')).toHaveLength(1);
    expect(await h.handle(read, { type: 'read', conversationId: id, seq: 99 }, bob.conn)).toEqual({ readSeq: 3 });
  });

  test('a conversation the caller is not in is CONVERSATION_NOT_FOUND, and its members hear nothing', async () => {
    const h = harness();
    const { alice, carol, id } = await h.twoAndAnOutsider(['one']);
    await h.refuses('CONVERSATION_NOT_FOUND', () => h.handle(read, { type: 'read', conversationId: id, seq: 1 }, carol.conn));
    expect(alice.conn.framesOf('read')).toEqual([]);
  });
});

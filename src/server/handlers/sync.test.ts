// sync: everything after the client's cursor, over all its conversations, in cursor order, a page at a time.
import { expect, test } from 'vitest';
import { describeStores } from '../../../test/helpers/handler-harness.js';
import { sync } from './sync.js';

await describeStores((harness) => {
  test('pages through every conversation of the caller in cursor order, and says when there is no more', async () => {
    const h = harness();
    const { alice, bob, carol } = await h.twoAndAnOutsider(['ab1', 'ab2']);
    await h.conversation(carol, alice, ['ca1']);
    await h.conversation(bob, carol, ['not for alice']);

    const first = await h.handle(sync, { type: 'sync', after: 0, limit: 2 }, alice.conn);
    expect(first.messages.map((m) => m.body)).toEqual(['ab1', 'ab2']);
    expect(first).toMatchObject({ cursor: first.messages[1]!.cursor, more: true });
    const rest = await h.handle(sync, { type: 'sync', after: first.cursor, limit: 2 }, alice.conn);
    expect(rest.messages.map((m) => m.body)).toEqual(['ca1']);
    expect(rest).toMatchObject({ cursor: rest.messages[0]!.cursor, more: false });
    // Nothing new: the cursor stays where the client had it.
    expect(await h.handle(sync, { type: 'sync', after: rest.cursor }, alice.conn)).toEqual({ messages: [], cursor: rest.cursor, more: false });
  });

  test('the messages handed out are counted as delivered by sync', async () => {
    const h = harness();
    const alice = await h.account('alice');
    const bob = await h.account('bob');
    await h.conversation(alice, bob, ['one', 'two', 'three']);
    await h.handle(sync, { type: 'sync', after: 0 }, bob.conn);
    const text = await h.services.metrics.registry.metrics();
    expect(text).toContain('parley_messages_delivered_total{via="sync"} 3');
  });
});

// lookup: tells "no such user" from "offline".
import { expect, test } from 'vitest';
import { describeStores } from '../../../test/helpers/handler-harness.js';
import { lookup } from './lookup.js';

await describeStores((harness) => {
  test('a registered user is found, online while connected and offline after', async () => {
    const h = harness();
    const alice = await h.account('alice');
    const bob = await h.account('bob');
    expect(await h.handle(lookup, { type: 'lookup', username: 'bob' }, alice.conn)).toEqual({ username: 'bob', online: true });
    bob.conn.unauthenticate();
    expect(await h.handle(lookup, { type: 'lookup', username: 'bob' }, alice.conn)).toEqual({ username: 'bob', online: false });
  });

  test('an unknown name is USER_NOT_FOUND; usernames are case sensitive, and only a safe name is echoed back', async () => {
    const h = harness();
    const alice = await h.account('alice');
    await h.account('bob');
    const named = await h.refuses('USER_NOT_FOUND', () => h.handle(lookup, { type: 'lookup', username: 'Bob' }, alice.conn));
    expect(named.message).toContain('"Bob"');
    const unsafe = await h.refuses('USER_NOT_FOUND', () => h.handle(lookup, { type: 'lookup', username: '<script>' }, alice.conn));
    expect(unsafe.message).not.toContain('<script>');
  });
});

// online: a sorted page of the users connected now, the caller included, searchable by a case-sensitive part of the name.
import { expect, test } from 'vitest';
import { describeStores } from '../../../test/helpers/handler-harness.js';
import { online } from './online.js';

await describeStores((harness) => {
  test('pages through the connected users in name order; users who left are not listed', async () => {
    const h = harness();
    const [carol] = [await h.account('carol'), await h.account('alice'), await h.account('bob'), await h.account('dave')];
    const gone = await h.account('eve');
    gone.conn.unauthenticate();

    const first = await h.handle(online, { type: 'online', limit: 2 }, carol!.conn);
    expect(first).toEqual({ users: ['alice', 'bob'], next: 'bob', total: 4 });
    const second = await h.handle(online, { type: 'online', limit: 2, after: first.next }, carol!.conn);
    expect(second).toEqual({ users: ['carol', 'dave'], total: 4 });
  });

  test('a query keeps the names that contain it, case sensitive, and counts them', async () => {
    const h = harness();
    const alice = await h.account('alice');
    await h.account('Alina');
    await h.account('malik');
    expect(await h.handle(online, { type: 'online', query: 'li' }, alice.conn)).toEqual({ users: ['Alina', 'alice', 'malik'], total: 3 });
    expect(await h.handle(online, { type: 'online', query: 'Ali' }, alice.conn)).toEqual({ users: ['Alina'], total: 1 });
  });
});

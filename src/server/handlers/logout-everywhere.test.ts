// logoutEverywhere: every session of the user ends; other devices are closed with 4001, this connection is logged out.
import { expect, test } from 'vitest';
import { describeStores } from '../../../test/helpers/handler-harness.js';
import { CLOSE_CODES } from '../../shared/protocol.js';
import { logoutEverywhere } from './logout-everywhere.js';

await describeStores((harness) => {
  test('all of the user’s sessions end, and only the user’s', async () => {
    const h = harness();
    const alice = await h.account('alice');
    const phone = await h.anotherDevice(alice);
    const bob = await h.account('bob');

    expect(await h.handle(logoutEverywhere, { type: 'logoutEverywhere' }, alice.conn)).toEqual({ endedSessions: 2 });
    expect(await h.store.listSessions(alice.id)).toEqual([]);
    expect(alice.conn.session).toBeNull();
    expect(alice.conn.closed).toBeNull();
    expect(phone.conn.closed).toEqual({ code: CLOSE_CODES.sessionEnded, reason: expect.any(String) });
    expect(await h.hub.isOnline(alice.id)).toBe(false);
    expect(await h.store.listSessions(bob.id)).toHaveLength(1);
    expect(bob.conn.closed).toBeNull();
  });
});

// logout: this device's session ends for good; its other sockets (browser tabs) close, other devices stay.
import { expect, test } from 'vitest';
import { describeStores } from '../../../test/helpers/handler-harness.js';
import { CLOSE_CODES } from '../../shared/protocol.js';
import { logout } from './logout.js';

await describeStores((harness) => {
  test('the session is deleted; this connection stays open but logged out, its other sockets close with 4001', async () => {
    const h = harness();
    const alice = await h.account('alice');
    const sameSessionTab = h.connection();
    sameSessionTab.authenticate(alice.session);
    const phone = await h.anotherDevice(alice);

    expect(await h.handle(logout, { type: 'logout' }, alice.conn)).toEqual({});
    expect(await h.sessionOfToken(alice.token)).toBeUndefined();
    expect(alice.conn.session).toBeNull();
    expect(alice.conn.closed).toBeNull();
    expect(alice.conn.closeAfter).toBeNull();
    expect(sameSessionTab.closed).toEqual({ code: CLOSE_CODES.sessionEnded, reason: expect.any(String) });
    // Another device's session is untouched.
    expect(phone.conn.closed).toBeNull();
    expect(await h.sessionOfToken(phone.token)).toBeDefined();
    expect(await h.hub.isOnline(alice.id)).toBe(true);
  });
});

// revokeSession: one of your own devices signed out; another user's session id is "not found", never revoked.
import { expect, test } from 'vitest';
import { describeStores } from '../../../test/helpers/handler-harness.js';
import { CLOSE_CODES } from '../../shared/protocol.js';
import { revokeSession } from './revoke-session.js';

await describeStores((harness) => {
  test('another device of yours: its session ends and its connection closes with 4001; this one stays', async () => {
    const h = harness();
    const alice = await h.account('alice');
    const phone = await h.anotherDevice(alice);
    expect(await h.handle(revokeSession, { type: 'revokeSession', sessionId: phone.session.sessionId }, alice.conn)).toEqual({});
    expect(await h.sessionOfToken(phone.token)).toBeUndefined();
    expect(phone.conn.closed).toEqual({ code: CLOSE_CODES.sessionEnded, reason: expect.any(String) });
    expect(alice.conn.session).toEqual(alice.session);
    expect(alice.conn.closed).toBeNull();
  });

  test('revoking the session you are using logs this connection out', async () => {
    const h = harness();
    const alice = await h.account('alice');
    await h.handle(revokeSession, { type: 'revokeSession', sessionId: alice.session.sessionId }, alice.conn);
    expect(alice.conn.session).toBeNull();
    expect(await h.sessionOfToken(alice.token)).toBeUndefined();
  });

  test('an id that is not one of your sessions is SESSION_NOT_FOUND, whoever it belongs to', async () => {
    const h = harness();
    const alice = await h.account('alice');
    const bob = await h.account('bob');
    await h.refuses('SESSION_NOT_FOUND', () => h.handle(revokeSession, { type: 'revokeSession', sessionId: bob.session.sessionId }, alice.conn));
    await h.refuses('SESSION_NOT_FOUND', () => h.handle(revokeSession, { type: 'revokeSession', sessionId: 999 }, alice.conn));
    expect(bob.conn.closed).toBeNull();
  });
});

// sessions: the user's signed-in devices, which one is asking, which are connected, and when the others were last seen.
import { expect, test } from 'vitest';
import { describeStores } from '../../../test/helpers/handler-harness.js';
import { sessions } from './sessions.js';

await describeStores((harness) => {
  test('each of the user’s sessions with its device and address; connected ones are seen now', async () => {
    const h = harness();
    const created = h.clock.now;
    const alice = await h.account('alice');
    const phone = await h.anotherDevice(alice, 'phone');
    await h.account('bob');
    phone.conn.unauthenticate();
    h.clock.now += 60_000;

    const reply = await h.handle(sessions, { type: 'sessions' }, alice.conn);
    const byId = new Map(reply.sessions.map((s) => [s.sessionId, s]));
    expect(reply.sessions).toHaveLength(2);
    expect(byId.get(alice.session.sessionId)).toEqual({
      sessionId: alice.session.sessionId,
      device: 'first device',
      address: '192.0.2.1',
      createdAt: created,
      lastSeenAt: h.clock.now,
      current: true,
      connected: true,
    });
    expect(byId.get(phone.session.sessionId)).toEqual({
      sessionId: phone.session.sessionId,
      device: 'phone',
      address: '192.0.2.2',
      createdAt: created,
      lastSeenAt: created,
      current: false,
      connected: false,
    });
  });
});

// resume: a stored session's token logs a new connection in; unknown, revoked and idle tokens do not.
import { describe, expect, test } from 'vitest';
import { describeStores, harnessPerTest } from '../../../test/helpers/handler-harness.js';
import { resume } from './resume.js';

const DAY_MS = 24 * 60 * 60 * 1000;

await describeStores({ sessionIdleDays: 30 }, (harness, kind) => {
  test('a valid token logs the connection into its session and records when and where it was used', async () => {
    const h = harness();
    const alice = await h.account('alice');
    h.clock.now += 5_000;
    const conn = h.connection('198.51.100.20');
    const reply = await h.handle(resume, { type: 'resume', token: alice.token }, conn);
    expect(reply).toEqual({ username: 'alice', sessionId: alice.session.sessionId });
    expect(conn.session).toEqual(alice.session);
    expect(await h.store.listSessions(alice.id)).toEqual([expect.objectContaining({ id: alice.session.sessionId, lastSeenAt: h.clock.now, address: '198.51.100.20' })]);
  });

  test('an unknown token, or one whose session was revoked, is SESSION_INVALID', async () => {
    const h = harness();
    const alice = await h.account('alice');
    const conn = h.connection();
    await h.refuses('SESSION_INVALID', () => h.handle(resume, { type: 'resume', token: 'not-a-token-anyone-was-given' }, conn));
    await h.store.deleteSession(alice.session.sessionId);
    await h.refuses('SESSION_INVALID', () => h.handle(resume, { type: 'resume', token: alice.token }, conn));
    expect(conn.session).toBeNull();
  });

  test('a session unused for longer than the idle limit has ended: refused and deleted on the spot', async () => {
    const h = harness();
    const alice = await h.account('alice');
    h.clock.now += 31 * DAY_MS;
    await expect(h.handle(resume, { type: 'resume', token: alice.token }, h.connection())).rejects.toMatchObject({ code: 'SESSION_INVALID' });
    expect(await h.sessionOfToken(alice.token)).toBeUndefined();
  });

  describe('with sessions kept until logout', () => {
    const forever = harnessPerTest({ sessionIdleDays: 0 }, kind);

    test('a token works however long it went unused', async () => {
      const h = forever();
      const alice = await h.account('alice');
      h.clock.now += 3_650 * DAY_MS;
      expect(await h.handle(resume, { type: 'resume', token: alice.token }, h.connection())).toEqual({ username: 'alice', sessionId: alice.session.sessionId });
    });
  });
});

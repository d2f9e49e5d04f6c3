// login: the right password opens a new session and hands back the sealed keys; a wrong one is one answer for all.
import { describe, expect, test } from 'vitest';
import { AUTH_KEY, describeStores, harnessPerTest, type HandlerHarness } from '../../../test/helpers/handler-harness.js';
import { DEFAULT_RATE_LIMITS } from '../limits/rate-limits.js';
import { login } from './login.js';

/** parley_logins_total by result. */
async function logins(h: HandlerHarness): Promise<Record<string, number>> {
  const metric = await h.services.metrics.registry.getSingleMetric('parley_logins_total')!.get();
  return Object.fromEntries(metric.values.map((v) => [String(v.labels.result), v.value]));
}

await describeStores((harness, kind) => {
  test('the right password: a new session on this connection, with the account’s sealed keys', async () => {
    const h = harness();
    const alice = await h.account('alice');
    const conn = h.connection('198.51.100.9');
    const reply = await h.handle(login, { type: 'login', username: 'alice', password: AUTH_KEY, device: 'phone' }, conn);

    const keys = await h.store.userKeys(alice.id);
    expect(reply).toEqual({
      token: expect.any(String),
      username: 'alice',
      sessionId: expect.any(Number),
      keyBundle: keys!.keyBundle,
      publicIdentity: keys!.publicIdentity,
      oldKeyBundles: [],
    });
    expect(reply.sessionId).not.toBe(alice.session.sessionId);
    expect(conn.session).toEqual({ userId: alice.id, username: 'alice', sessionId: reply.sessionId });
    expect((await h.sessionOfToken(reply.token))?.device).toBe('phone');
    expect(await logins(h)).toMatchObject({ ok: 1, failed: 0 });
    expect(h.logs.join('\n')).not.toContain(AUTH_KEY);
  });

  test('an account without keys gets a session and no key fields', async () => {
    const h = harness();
    await h.account('bob', { keys: false, password: 'long enough password' });
    const reply = await h.handle(login, { type: 'login', username: 'bob', password: 'long enough password' }, h.connection());
    expect(Object.keys(reply).sort()).toEqual(['sessionId', 'token', 'username']);
  });

  test('a wrong password, an unknown name and an impossible name are one AUTH_FAILED, and nothing is written', async () => {
    const h = harness();
    await h.account('alice');
    const conn = h.connection();
    const messages: string[] = [];
    for (const [username, password] of [
      ['alice', 'not the auth key at all'],
      ['nobody', AUTH_KEY],
      ['no such name!', AUTH_KEY],
    ] as const) {
      messages.push((await h.refuses('AUTH_FAILED', () => h.handle(login, { type: 'login', username, password }, conn))).message);
    }
    expect(new Set(messages).size).toBe(1);
    expect(conn.session).toBeNull();
    expect(await logins(h)).toMatchObject({ ok: 0, failed: 3 });
  });

  describe('with two failed logins allowed per account', () => {
    const limited = harnessPerTest({ rateLimits: { ...DEFAULT_RATE_LIMITS, loginFailuresPerAccount: 2 } }, kind);

    test('the third attempt is RATE_LIMITED even with the right password', async () => {
      const h = limited();
      await h.account('alice');
      const attempt = (password: string) => () => h.handle(login, { type: 'login', username: 'alice', password }, h.connection());
      await h.refuses('AUTH_FAILED', attempt('wrong password one'));
      await h.refuses('AUTH_FAILED', attempt('wrong password two'));
      const error = await h.refuses('RATE_LIMITED', attempt(AUTH_KEY));
      expect(error.retryAfterMs).toBeGreaterThan(0);
      expect(await logins(h)).toMatchObject({ ok: 0, failed: 2, rate_limited: 1 });
    });

    test('a successful login forgets the account’s earlier failures', async () => {
      const h = limited();
      await h.account('alice');
      const attempt = (password: string) => () => h.handle(login, { type: 'login', username: 'alice', password }, h.connection());
      await h.refuses('AUTH_FAILED', attempt('wrong password one'));
      await attempt(AUTH_KEY)();
      await h.refuses('AUTH_FAILED', attempt('wrong password two'));
      await h.refuses('AUTH_FAILED', attempt('wrong password three'));
    });
  });
});

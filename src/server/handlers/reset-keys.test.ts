// resetKeys: the next key version's identity and bundle, proven by the password; other sessions end and contacts are told.
import { describe, expect, test } from 'vitest';
import { AUTH_KEY, describeStores, harnessPerTest, keyBundleOf, newKeys } from '../../../test/helpers/handler-harness.js';
import { generateIdentity } from '../../shared/crypto/index.js';
import { CLOSE_CODES } from '../../shared/protocol.js';
import { DEFAULT_RATE_LIMITS } from '../limits/rate-limits.js';
import { resetKeys } from './reset-keys.js';

await describeStores((harness, kind) => {
  test('key version 2 replaces 1, which stays published and kept; other devices sign out and contacts get the new keys', async () => {
    const h = harness();
    const alice = await h.account('alice');
    const phone = await h.anotherDevice(alice);
    const bob = await h.account('bob');
    const carol = await h.account('carol');
    await h.conversation(alice, bob, ['hi']);
    const before = await h.store.userKeys(alice.id);
    const { keys } = newKeys('alice', 2);

    const reply = await h.handle(resetKeys, { type: 'resetKeys', password: AUTH_KEY, publicIdentity: keys.publicIdentity, keyBundle: keys.keyBundle }, alice.conn);
    expect(reply).toEqual({ keyVersion: 2, endedSessions: 1 });
    expect(await h.store.identities(alice.id)).toEqual([before!.publicIdentity, keys.publicIdentity]);
    expect(await h.store.userKeys(alice.id)).toEqual({ ...before, keyBundle: keys.keyBundle, publicIdentity: keys.publicIdentity, oldKeyBundles: [before!.keyBundle] });
    expect(phone.conn.closed).toEqual({ code: CLOSE_CODES.sessionEnded, reason: expect.any(String) });
    expect(await h.sessionOfToken(phone.token)).toBeUndefined();
    expect(alice.conn.session).toEqual(alice.session);
    expect(bob.conn.framesOf('keys')).toEqual([{ type: 'keys', username: 'alice', publicIdentity: keys.publicIdentity }]);
    expect(carol.conn.framesOf('keys')).toEqual([]);
  });

  test('new keys that are not the next version, not signed for this name or not sealed for their version are INVALID_KEYS', async () => {
    const h = harness();
    const alice = await h.account('alice');
    const phone = await h.anotherDevice(alice);
    const next = newKeys('alice', 2);
    const attempt = (publicIdentity: string, keyBundle: string) => () =>
      h.handle(resetKeys, { type: 'resetKeys', password: AUTH_KEY, publicIdentity, keyBundle }, alice.conn);
    await h.refuses('INVALID_KEYS', attempt(newKeys('alice', 3).keys.publicIdentity, next.keys.keyBundle));
    await h.refuses('INVALID_KEYS', attempt(newKeys('mallory', 2).keys.publicIdentity, next.keys.keyBundle));
    await h.refuses('INVALID_KEYS', attempt(next.keys.publicIdentity, keyBundleOf(generateIdentity(1), 'alice')));
    expect(phone.conn.closed).toBeNull();
  });

  test('keys reset meanwhile from another device: INVALID_KEYS, and that device’s reset stands', async () => {
    const h = harness();
    const alice = await h.account('alice');
    const phone = await h.anotherDevice(alice);
    const fromPhone = newKeys('alice', 2).keys;
    h.raceBefore('resetKeys', () =>
      h.store.resetKeys({ userId: alice.id, keepSessionId: phone.session.sessionId, keyVersion: 2, publicIdentity: fromPhone.publicIdentity, keyBundle: fromPhone.keyBundle, now: h.clock.now }),
    );
    const { keys } = newKeys('alice', 2);
    const attempt = h.handle(resetKeys, { type: 'resetKeys', password: AUTH_KEY, publicIdentity: keys.publicIdentity, keyBundle: keys.keyBundle }, alice.conn);
    await expect(attempt).rejects.toMatchObject({ code: 'INVALID_KEYS' });
    expect((await h.store.userKeys(alice.id))?.publicIdentity).toBe(fromPhone.publicIdentity);
    expect(phone.conn.closed).toBeNull();
  });

  test('a wrong password is AUTH_FAILED and changes nothing', async () => {
    const h = harness();
    const alice = await h.account('alice');
    const { keys } = newKeys('alice', 2);
    await h.refuses('AUTH_FAILED', () =>
      h.handle(resetKeys, { type: 'resetKeys', password: 'not the auth key of alice', publicIdentity: keys.publicIdentity, keyBundle: keys.keyBundle }, alice.conn),
    );
  });

  test('an account without keys has none to reset: NO_KEYS', async () => {
    const h = harness();
    const old = await h.account('old', { keys: false, password: 'long enough password' });
    const { keys } = newKeys('old', 2);
    await h.refuses('NO_KEYS', () => h.handle(resetKeys, { type: 'resetKeys', password: 'long enough password', publicIdentity: keys.publicIdentity, keyBundle: keys.keyBundle }, old.conn));
  });

  describe('with one failed login allowed per account', () => {
    const limited = harnessPerTest({ rateLimits: { ...DEFAULT_RATE_LIMITS, loginFailuresPerAccount: 1 } }, kind);

    test('a stolen session cannot guess the password: a wrong one spends the account’s login budget', async () => {
      const h = limited();
      const alice = await h.account('alice');
      const { keys } = newKeys('alice', 2);
      const attempt = (password: string) => () => h.handle(resetKeys, { type: 'resetKeys', password, publicIdentity: keys.publicIdentity, keyBundle: keys.keyBundle }, alice.conn);
      await h.refuses('AUTH_FAILED', attempt('not the auth key of alice'));
      await h.refuses('RATE_LIMITED', attempt(AUTH_KEY));
    });
  });
});

// prelogin: the salt and key parameters to derive with, and a stable stand-in for names without keys.
import { describe, expect, test } from 'vitest';
import { describeStores, harnessPerTest } from '../../../test/helpers/handler-harness.js';
import { KDF_DEFAULT, KDF_V1, realmOf } from '../../shared/crypto/index.js';
import { DEFAULT_RATE_LIMITS } from '../limits/rate-limits.js';
import { prelogin } from './prelogin.js';

await describeStores((harness, kind) => {
  test('an account with keys gets its stored salt and descriptor, and the server’s realm', async () => {
    const h = harness();
    const alice = await h.account('alice', { kdf: KDF_V1 });
    const stored = await h.store.userKeys(alice.id);
    expect(await h.handle(prelogin, { type: 'prelogin', username: 'alice' }, h.connection())).toEqual({
      salt: stored!.salt,
      kdf: { ...KDF_V1 },
      realm: realmOf(await h.store.serverSecret()),
    });
  });

  test('an unknown name gets the same made-up salt every time, shaped like a new account, and writes nothing', async () => {
    const h = harness();
    await h.account('old', { keys: false, password: 'long enough password' });
    const before = await h.rows();
    const ask = (username: string) => h.handle(prelogin, { type: 'prelogin', username }, h.connection());
    const first = await ask('nobody');
    expect(first).toEqual({ salt: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/), kdf: { ...KDF_DEFAULT }, realm: expect.any(String) });
    expect(await ask('nobody')).toEqual(first);
    expect((await ask('somebody')).salt).not.toBe(first.salt);
    // An account without keys looks like an unknown one, and so does a name no account can have.
    expect((await ask('old')).kdf).toEqual(KDF_DEFAULT);
    expect((await ask('not a name!')).kdf).toEqual(KDF_DEFAULT);
    expect(await h.rows()).toEqual(before);
  });

  describe('with two prelogins a minute per address', () => {
    const limited = harnessPerTest({ rateLimits: { ...DEFAULT_RATE_LIMITS, preloginsPerMinute: 2 } }, kind);

    test('the third from one address is RATE_LIMITED; another address still gets an answer', async () => {
      const h = limited();
      const ask = (address: string) => () => h.handle(prelogin, { type: 'prelogin', username: 'anyone' }, h.connection(address));
      await ask('203.0.113.1')();
      await ask('203.0.113.1')();
      await h.refuses('RATE_LIMITED', ask('203.0.113.1'));
      expect((await ask('203.0.113.2')()).kdf).toEqual(KDF_DEFAULT);
    });
  });
});

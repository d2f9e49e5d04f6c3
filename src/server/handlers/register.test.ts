// register: an account, its end-to-end keys and its first session commit together; every refusal leaves nothing behind.
import { describe, expect, test } from 'vitest';
import { AUTH_KEY, describeStores, harnessPerTest, newKeys } from '../../../test/helpers/handler-harness.js';
import { DEFAULT_RATE_LIMITS } from '../limits/rate-limits.js';
import { hashSessionToken } from '../passwords.js';
import { register } from './register.js';

await describeStores((harness, kind) => {
  test('a client’s keys and auth key make an account with its keys, a hashed password and a session for this connection', async () => {
    const h = harness();
    const conn = h.connection('198.51.100.4');
    const { keys } = newKeys('alice');
    const reply = await h.handle(register, { type: 'register', username: 'alice', password: AUTH_KEY, device: 'laptop', ...keys }, conn);

    const user = await h.store.findUserByName('alice');
    expect(reply).toEqual({ token: expect.any(String), username: 'alice', sessionId: expect.any(Number) });
    expect(conn.session).toEqual({ userId: user!.id, username: 'alice', sessionId: reply.sessionId });
    expect(user!.passwordHash).toMatch(/^\$argon2id\$/);
    expect(await h.services.passwords.verify(user!.passwordHash, AUTH_KEY)).toBe(true);
    expect(await h.store.userKeys(user!.id)).toEqual({ ...keys, oldKeyBundles: [] });
    // Only the token's hash is stored; the session remembers the device and the address it came from.
    expect((await h.store.findSessionByTokenHash(hashSessionToken(reply.token)))?.id).toBe(reply.sessionId);
    expect(await h.store.listSessions(user!.id)).toEqual([expect.objectContaining({ id: reply.sessionId, device: 'laptop', address: '198.51.100.4' })]);
    expect(h.logs.join('\n')).not.toContain(AUTH_KEY);
  });

  test('without keys the default server refuses with E2E_REQUIRED, and the connection stays logged out', async () => {
    const h = harness();
    const conn = h.connection();
    await h.refuses('E2E_REQUIRED', () => h.handle(register, { type: 'register', username: 'alice', password: 'long enough password' }, conn));
    expect(conn.session).toBeNull();
  });

  test('the key material goes together and must be sound: INVALID_KEYS otherwise', async () => {
    const h = harness();
    const conn = h.connection();
    const { keys } = newKeys('alice');
    const attempt = (fields: object) => () => h.handle(register, { type: 'register', username: 'alice', password: AUTH_KEY, ...keys, ...fields }, conn);
    await h.refuses('INVALID_KEYS', attempt({ keyBundle: undefined }));
    // Weaker key derivation than the version's floor.
    await h.refuses('INVALID_KEYS', attempt({ kdf: { v: 2, alg: 'argon2id', m: 1_024, t: 1, p: 1 } }));
    // An identity signed for another name, and one that starts at key version 2.
    await h.refuses('INVALID_KEYS', attempt({ publicIdentity: newKeys('bob').keys.publicIdentity }));
    await h.refuses('INVALID_KEYS', attempt({ publicIdentity: newKeys('alice', 2).keys.publicIdentity }));
    // The password itself instead of the 43-character auth key derived from it.
    await h.refuses('INVALID_KEYS', attempt({ password: 'correct horse battery staple' }));
    expect(conn.session).toBeNull();
  });

  test('a password outside the rule is WEAK_PASSWORD', async () => {
    const h = harness();
    await h.refuses('WEAK_PASSWORD', () => h.handle(register, { type: 'register', username: 'alice', password: 'short', ...newKeys('alice').keys }, h.connection()));
  });

  test('a username that is taken is USERNAME_TAKEN, and the first account is unchanged', async () => {
    const h = harness();
    const alice = await h.account('alice');
    const conn = h.connection();
    await h.refuses('USERNAME_TAKEN', () => h.handle(register, { type: 'register', username: 'alice', password: AUTH_KEY, ...newKeys('alice').keys }, conn));
    expect(conn.session).toBeNull();
    expect(await h.store.findUserIdByName('alice')).toBe(alice.id);
  });

  describe('a server that allows accounts without keys', () => {
    const open = harnessPerTest({ allowUnencrypted: true }, kind);

    test('takes a plain password and stores no keys', async () => {
      const h = open();
      const conn = h.connection();
      const reply = await h.handle(register, { type: 'register', username: 'bob', password: 'long enough password' }, conn);
      expect(conn.session?.username).toBe('bob');
      expect(await h.store.userKeys(conn.session!.userId)).toBeUndefined();
      expect(reply.username).toBe('bob');
    });

    test('still holds a plain password to the rule: WEAK_PASSWORD, and no account is made', async () => {
      const h = open();
      await h.refuses('WEAK_PASSWORD', () => h.handle(register, { type: 'register', username: 'bob', password: 'short' }, h.connection()));
    });
  });

  describe('with a limit of one account per address and hour', () => {
    const limited = harnessPerTest({ rateLimits: { ...DEFAULT_RATE_LIMITS, registrationsPerHour: 1 } }, kind);

    test('a second account from the address is RATE_LIMITED; an attempt that made nothing did not count', async () => {
      const h = limited();
      await h.account('taken');
      const conn = h.connection('203.0.113.7');
      const attempt = (username: string) => () => h.handle(register, { type: 'register', username, password: AUTH_KEY, ...newKeys(username).keys }, conn);
      await h.refuses('USERNAME_TAKEN', attempt('taken'));
      await attempt('first')();
      conn.unauthenticate();
      const error = await h.refuses('RATE_LIMITED', attempt('second'));
      expect(error.retryAfterMs).toBeGreaterThan(0);
      // Another address has its own budget.
      await h.handle(register, { type: 'register', username: 'third', password: AUTH_KEY, ...newKeys('third').keys }, h.connection('203.0.113.8'));
    });
  });
});

// changePassword: the current password proves it; the new hash and the re-sealed keys commit together; other sessions end.
import { expect, test } from 'vitest';
import { AUTH_KEY, describeStores, keyBundleOf, newKeys } from '../../../test/helpers/handler-harness.js';
import { KDF_DEFAULT, KDF_V1, newSalt, toBase64url } from '../../shared/crypto/index.js';
import { CLOSE_CODES } from '../../shared/protocol.js';
import { changePassword } from './change-password.js';

const OLD = 'long enough password';
const NEW = 'another long password';
/** The auth key a client derives from the new password. */
const NEW_AUTH_KEY = 'new-auth-key-0123456789abcdefghijklmnopqrst';

await describeStores((harness) => {
  test('an account without keys: the new password works, the old one not, and the other sessions end', async () => {
    const h = harness();
    const alice = await h.account('alice', { keys: false, password: OLD });
    const phone = await h.anotherDevice(alice);
    expect(await h.handle(changePassword, { type: 'changePassword', password: OLD, newPassword: NEW }, alice.conn)).toEqual({ endedSessions: 1 });

    const { passwordHash } = (await h.store.findUserByName('alice'))!;
    expect(await h.services.passwords.verify(passwordHash, NEW)).toBe(true);
    expect(await h.services.passwords.verify(passwordHash, OLD)).toBe(false);
    expect(phone.conn.closed).toEqual({ code: CLOSE_CODES.sessionEnded, reason: expect.any(String) });
    expect(await h.sessionOfToken(phone.token)).toBeUndefined();
    expect(alice.conn.session).toEqual(alice.session);
    expect(await h.sessionOfToken(alice.token)).toBeDefined();
    const logs = h.logs.join('\n');
    expect(logs).toContain('password changed');
    expect(logs).not.toContain(NEW);
  });

  test('a wrong current password is AUTH_FAILED, a new one outside the rule WEAK_PASSWORD; nothing changes', async () => {
    const h = harness();
    const alice = await h.account('alice', { keys: false, password: OLD });
    const phone = await h.anotherDevice(alice);
    await h.refuses('AUTH_FAILED', () => h.handle(changePassword, { type: 'changePassword', password: 'not the password', newPassword: NEW }, alice.conn));
    await h.refuses('WEAK_PASSWORD', () => h.handle(changePassword, { type: 'changePassword', password: OLD, newPassword: 'short' }, alice.conn));
    expect(phone.conn.closed).toBeNull();
  });

  test('an account with keys: the keys re-sealed with the new password are stored with it', async () => {
    const h = harness();
    const alice = await h.account('alice');
    const before = await h.store.userKeys(alice.id);
    const rewrapped = { salt: toBase64url(newSalt()), kdf: { ...KDF_DEFAULT }, keyBundle: keyBundleOf(alice.identity!, 'alice') };
    expect(await h.handle(changePassword, { type: 'changePassword', password: AUTH_KEY, newPassword: NEW_AUTH_KEY, ...rewrapped }, alice.conn)).toEqual({ endedSessions: 0 });
    expect(await h.store.userKeys(alice.id)).toEqual({ ...before, ...rewrapped });
  });

  test('an account with keys needs them re-sealed, all together, safe, and an auth key: INVALID_KEYS otherwise', async () => {
    const h = harness();
    const alice = await h.account('alice');
    const rewrapped = { salt: toBase64url(newSalt()), kdf: { ...KDF_DEFAULT }, keyBundle: keyBundleOf(alice.identity!, 'alice') };
    const attempt = (fields: object) => () => h.handle(changePassword, { type: 'changePassword', password: AUTH_KEY, newPassword: NEW_AUTH_KEY, ...fields }, alice.conn);
    await h.refuses('INVALID_KEYS', attempt({}));
    await h.refuses('INVALID_KEYS', attempt({ salt: rewrapped.salt }));
    await h.refuses('INVALID_KEYS', attempt({ ...rewrapped, kdf: { v: 2, alg: 'argon2id', m: 1_024, t: 1, p: 1 } }));
    await h.refuses('INVALID_KEYS', attempt({ ...rewrapped, newPassword: NEW }));
    // A bundle for another key version than the account's.
    await h.refuses('INVALID_KEYS', attempt({ ...rewrapped, keyBundle: keyBundleOf(newKeys('alice', 2).identity, 'alice') }));
  });

  test('after an identity reset every older version’s bundle must come too, or nothing is written', async () => {
    const h = harness();
    const alice = await h.account('alice');
    const next = newKeys('alice', 2);
    await h.store.resetKeys({ userId: alice.id, keepSessionId: alice.session.sessionId, keyVersion: 2, publicIdentity: next.keys.publicIdentity, keyBundle: next.keys.keyBundle, now: h.clock.now });
    const rewrapped = { salt: toBase64url(newSalt()), kdf: { ...KDF_DEFAULT }, keyBundle: keyBundleOf(next.identity, 'alice') };
    const request = { type: 'changePassword' as const, password: AUTH_KEY, newPassword: NEW_AUTH_KEY, ...rewrapped };
    await h.refuses('INVALID_KEYS', () => h.handle(changePassword, request, alice.conn));

    const oldKeyBundles = [keyBundleOf(alice.identity!, 'alice')];
    await h.handle(changePassword, { ...request, oldKeyBundles }, alice.conn);
    expect(await h.store.userKeys(alice.id)).toMatchObject({ keyBundle: rewrapped.keyBundle, oldKeyBundles });
  });

  test('a KDF upgrade (v1 to v2, same password) keeps every other session', async () => {
    const h = harness();
    const alice = await h.account('alice', { kdf: KDF_V1 });
    const phone = await h.anotherDevice(alice);
    const upgraded = { salt: toBase64url(newSalt()), kdf: { ...KDF_DEFAULT }, keyBundle: keyBundleOf(alice.identity!, 'alice'), upgrade: true as const };
    expect(await h.handle(changePassword, { type: 'changePassword', password: AUTH_KEY, newPassword: NEW_AUTH_KEY, ...upgraded }, alice.conn)).toEqual({ endedSessions: 0 });
    expect((await h.store.userKeys(alice.id))?.kdf).toEqual(KDF_DEFAULT);
    expect(phone.conn.closed).toBeNull();
    expect(await h.sessionOfToken(phone.token)).toBeDefined();
  });

  test('an “upgrade” that is not v1 to v2 is INVALID_KEYS', async () => {
    const h = harness();
    const alice = await h.account('alice');
    const upgraded = { salt: toBase64url(newSalt()), kdf: { ...KDF_DEFAULT }, keyBundle: keyBundleOf(alice.identity!, 'alice'), upgrade: true as const };
    await h.refuses('INVALID_KEYS', () => h.handle(changePassword, { type: 'changePassword', password: AUTH_KEY, newPassword: NEW_AUTH_KEY, ...upgraded }, alice.conn));
  });
});

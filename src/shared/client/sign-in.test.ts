// The one sign-in sequence over a transport that is not the SDK's socket (as the web page's HTTP): the
// realm and version checks come before anything derived from the password is sent, and a busy server is waited for.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deriveKeys, fromBase64url, KDF_DEFAULT, newSalt, realmOf, toBase64url } from '../crypto/index.js';
import { ParleyError } from '../errors.js';
import { pinRealm } from './password-keys.js';
import { BUSY_NOTICE, passwordLogin, whileBusy, type LoginTransport } from './sign-in.js';
import { memoryStorage, STORAGE_KEYS } from './storage.js';

const REALM = realmOf(new Uint8Array(32).fill(1));
const OTHER_REALM = realmOf(new Uint8Array(32).fill(2));
const ADDRESS = 'parley.test:443';
const PASSWORD = 'correct horse battery staple';

/** A server that answers prelogin with `realm` and records what login was sent. */
function fakeServer(realm: string, salt = newSalt()) {
  const logins: Array<{ username: string; password: string }> = [];
  const transport: LoginTransport<{ username: string }> = {
    prelogin: async () => ({ salt: toBase64url(salt), kdf: { ...KDF_DEFAULT }, realm }),
    login: async (request) => {
      logins.push(request);
      return { username: request.username };
    },
  };
  return { transport, logins, salt };
}

const busyError = () => new ParleyError('SERVER_BUSY', 'busy', { retryAfterMs: 10 });

describe('whileBusy', () => {
  afterEach(() => vi.useRealTimers());

  it('sends a refused request again, telling the user meanwhile, and clears the notice once through', async () => {
    vi.useFakeTimers();
    const notices: Array<string | null> = [];
    let calls = 0;
    const done = whileBusy(
      async () => {
        calls++;
        if (calls < 3) throw busyError();
        return 'signed in';
      },
      { retries: 4, random: () => 0, notice: (text) => notices.push(text) },
    );
    await vi.runAllTimersAsync();
    await expect(done).resolves.toBe('signed in');
    expect(calls).toBe(3);
    expect(notices).toEqual([BUSY_NOTICE, BUSY_NOTICE, null]);
  });

  it('gives up after its retries with SERVER_BUSY in plain words, and other errors pass at once', async () => {
    vi.useFakeTimers();
    let calls = 0;
    const refused = whileBusy(async () => {
      calls++;
      throw busyError();
    }, { retries: 2, random: () => 0 });
    const outcome = expect(refused).rejects.toMatchObject({ code: 'SERVER_BUSY', message: expect.stringContaining('too busy to sign you in') });
    await vi.runAllTimersAsync();
    await outcome;
    expect(calls).toBe(3);
    await expect(whileBusy(async () => Promise.reject(new ParleyError('AUTH_FAILED')), { retries: 4 })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
  });
});

describe('passwordLogin', () => {
  it('pins the realm, sends the derived auth key (never the password) and hands back the wrap key', async () => {
    const pins = memoryStorage();
    const server = fakeServer(REALM);
    const login = await passwordLogin(server.transport, 'alice', PASSWORD, {
      pins,
      address: ADDRESS,
      checkRealm: (given) => pinRealm(pins, ADDRESS, given),
      busy: { retries: 0 },
    });
    expect(pins.getItem(STORAGE_KEYS.realm(ADDRESS))).toBe(REALM);
    expect(server.logins).toHaveLength(1);
    expect(server.logins[0]!.password).not.toContain(PASSWORD);
    const expected = await deriveKeys({ username: 'alice', password: PASSWORD, salt: server.salt, kdf: KDF_DEFAULT, realm: REALM });
    if (!expected.ok) throw new Error('derivation failed');
    expect(fromBase64url(server.logins[0]!.password)).toEqual(expected.authKey);
    expect(login).toMatchObject({ account: { username: 'alice' }, kdfVersion: KDF_DEFAULT.v, realm: REALM });
    expect(login.wrapKey).toEqual(expected.wrapKey);
  });

  it('refuses a changed realm or an older derivation before anything derived from the password is sent', async () => {
    const pins = memoryStorage({ [STORAGE_KEYS.realm(ADDRESS)]: REALM, [STORAGE_KEYS.kdfVersion(ADDRESS, 'alice')]: '3' });
    const options = { pins, address: ADDRESS, checkRealm: (given: string | undefined) => pinRealm(pins, ADDRESS, given), busy: { retries: 0 } };
    const impostor = fakeServer(OTHER_REALM);
    await expect(passwordLogin(impostor.transport, 'alice', PASSWORD, options)).rejects.toMatchObject({ code: 'INVALID_KEYS', message: expect.stringContaining('realm id changed') });
    const downgrade = fakeServer(REALM);
    await expect(passwordLogin(downgrade.transport, 'alice', PASSWORD, options)).rejects.toMatchObject({ code: 'INVALID_KEYS', message: expect.stringContaining('older, weaker') });
    expect([...impostor.logins, ...downgrade.logins]).toEqual([]);
  });
});

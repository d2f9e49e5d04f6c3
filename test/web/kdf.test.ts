// The web client and the password KDF in Chromium: weak passwords refused before anything is sent, v1 accounts upgraded on sign-in.
import { describe, expect, test } from 'vitest';
import { KDF_DEFAULT } from '../../src/shared/crypto/index.js';
import { TestClient } from '../helpers/client.js';
import { e2eeUser } from '../helpers/e2ee-user.js';
import { v1Account } from '../helpers/v1-account.js';
import {
  authError,
  browserAvailable,
  serverBrowserSuite,
  cspViolations,
  newUserPage,
  PASSWORD,
  webUser,
} from '../helpers/web.js';

describe.skipIf(!browserAvailable())('web client: password KDF', () => {
  const suite = serverBrowserSuite();
  const { clients } = suite;

  test('a weak password is refused in the register form with the estimator feedback, and nothing is sent', async () => {
    const server = await suite.start({ config: { allowUnencrypted: false } });
    const { page } = await newUserPage(suite.browser);
    const posted: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST') posted.push(new URL(request.url()).pathname);
    });
    await page.goto(`${server.httpUrl}/`);
    const said = await authError(page, 'Create account', 'wendy', 'password1');
    expect(said).toMatch(/too easy to guess\. \S/);
    expect(said).not.toContain('password1');
    // The username counts as known: a password made of it is refused too.
    expect(await authError(page, 'Create account', 'wendy', 'wendywendy1')).toMatch(/too easy to guess/);
    expect(posted).toEqual([]);
    // No account was made: the name is still free.
    const probe = await e2eeUser(server.url, 'wendy', PASSWORD);
    clients.push(probe);
    expect(cspViolations).toEqual([]);
  });

  test('a v1 account signs in, is moved to v2 with the same password, and keeps its other sessions', async () => {
    const server = await suite.start({ config: { allowUnencrypted: false } });
    const old = await v1Account(server.url, 'vera', PASSWORD);
    clients.push(old.client);
    await webUser(suite.browser, server.httpUrl, 'vera', { signIn: true });
    const look = await TestClient.connect(server.url);
    clients.push(look);
    await expect.poll(async () => (await look.request('prelogin', { type: 'prelogin', username: 'vera' })).kdf, { timeout: 15_000 }).toEqual(KDF_DEFAULT);
    expect((await look.request('prelogin', { type: 'prelogin', username: 'vera' })).salt).not.toBe(old.salt);
    await expect(old.client.request('online', { type: 'online' })).resolves.toBeDefined();
    expect(old.client.closeCode).toBeUndefined();
    // The same password, now through v2, on another browser profile.
    await webUser(suite.browser, server.httpUrl, 'vera', { signIn: true });
    // And a new account registers with a strong password.
    await webUser(suite.browser, server.httpUrl, 'walt');
    expect((await look.request('prelogin', { type: 'prelogin', username: 'walt' })).kdf).toEqual(KDF_DEFAULT);
    expect(cspViolations).toEqual([]);
  });
});

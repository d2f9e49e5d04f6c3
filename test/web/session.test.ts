// Browser sessions: the cookie survives reloads, sign-out ends it everywhere, a server restart loses nothing.
import { describe, expect, test } from 'vitest';
import { TestClient } from '../helpers/client.js';
import { e2eeUser } from '../helpers/e2ee-user.js';
import { spawnServer, startServer, type SpawnedServer, type TestServer } from '../helpers/server.js';
import {
  authError,
  browserAvailable,
  browserSuite,
  bubble,
  conversationItem,
  messageTexts,
  newUserPage,
  openConversation,
  PASSWORD,
  screenshot,
  sendMessage,
  signedInAs,
  signIn,
  webUser,
} from '../helpers/web.js';

describe.skipIf(!browserAvailable())('web client: sessions', () => {
  let server: TestServer | undefined;
  let spawned: SpawnedServer | undefined;
  const suite = browserSuite(async () => {
    await server?.close();
    await spawned?.kill('SIGKILL');
    server = spawned = undefined;
  });

  test('a reload keeps the user signed in, and page scripts never see the token', async () => {
    server = await startServer();
    const { context, page } = await webUser(suite.browser, server.httpUrl, 'ivy');
    await page.reload();
    await signedInAs(page, 'ivy');

    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'parley_session', httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(await page.evaluate('document.cookie')).toBe('');
    const stored = String(await page.evaluate('JSON.stringify(localStorage)'));
    expect(stored).not.toContain(cookie?.value);

    // The same cookie from another origin's page is refused at the upgrade.
    const forged = TestClient.connect(server.url, { headers: { Origin: 'http://evil.example', Cookie: `parley_session=${cookie?.value}` } });
    await expect(forged).rejects.toThrow(/403/);
  });

  test('sign out ends the session in every tab, and the old cookie is dead', async () => {
    server = await startServer();
    const { context, page } = await webUser(suite.browser, server.httpUrl, 'jo');
    const token = (await context.cookies())[0]?.value;
    const secondTab = await context.newPage();
    await secondTab.goto(`${server.httpUrl}/`);
    // A new tab has the cookie but not the keys (the wrap key lives in each tab's sessionStorage): it asks for the password.
    await secondTab.getByRole('heading', { name: 'Unlock your messages' }).waitFor();
    await secondTab.getByLabel('Password').fill(PASSWORD);
    await secondTab.getByRole('button', { name: 'Unlock' }).click();
    await signedInAs(secondTab, 'jo');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Welcome back' }).waitFor();
    await secondTab.getByRole('heading', { name: 'Welcome back' }).waitFor();
    expect(await context.cookies()).toEqual([]);
    await page.reload();
    await page.getByRole('heading', { name: 'Welcome back' }).waitFor();

    // Replaying the old cookie no longer logs a connection in.
    const replay = await TestClient.connect(server.url, { hello: false, headers: { Cookie: `parley_session=${token}` } });
    const hello = await replay.request('hello', { type: 'hello', versions: [1] });
    expect(hello.session).toBeNull();
    replay.close();
  });

  test('a browser that refuses the cookie is told so instead of silently staying signed out', async () => {
    server = await startServer();
    const { page } = await newUserPage(suite.browser);
    // Stand in for a browser with cookies blocked: the sign-in succeeds but no cookie is kept.
    // (Fetching the real reply through the route would store its cookie, so the reply is made up.)
    await page.route('**/api/login', (route) =>
      route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ username: 'uma', sessionId: 1 }) }),
    );
    await page.goto(`${server.httpUrl}/`);
    expect(await authError(page, 'Sign in', 'uma', PASSWORD)).toMatch(/did not keep the sign-in cookie/);
  });

  test('the server restarted mid-conversation loses nothing, and offline writes arrive exactly once', async () => {
    spawned = await spawnServer();
    const kim = await webUser(suite.browser, spawned.httpUrl, 'kim');
    const lee = await webUser(suite.browser, spawned.httpUrl, 'lee', { colorScheme: 'dark', width: 390, height: 844 });
    await openConversation(kim.page, 'lee');
    await sendMessage(kim.page, 'lee', 'before the restart');
    await conversationItem(lee.page, 'kim').click();
    await expect.poll(() => messageTexts(lee.page)).toEqual(['before the restart']);
    await sendMessage(lee.page, 'kim', 'got it');
    await expect.poll(() => messageTexts(kim.page)).toEqual(['before the restart', 'got it']);

    // The server dies without warning; both pages say so, and Kim keeps writing.
    await spawned.kill('SIGKILL');
    await kim.page.getByTestId('connection-banner').filter({ hasText: 'Reconnecting…' }).waitFor();
    await lee.page.getByTestId('connection-banner').waitFor();
    await sendMessage(kim.page, 'lee', 'written while offline 1');
    await sendMessage(kim.page, 'lee', 'written while offline 2');
    expect(await bubble(kim.page, 'written while offline 1').getAttribute('data-status')).toBe('sending');
    await expect.poll(() => kim.page.getByTestId('connection-banner').textContent()).toContain('2 messages will be sent');
    await screenshot(kim.page, 'reconnecting-desktop-light');

    spawned = await spawned.restart();
    await kim.page.getByTestId('connection-banner').waitFor({ state: 'detached', timeout: 20_000 });
    const expected = ['before the restart', 'got it', 'written while offline 1', 'written while offline 2'];
    await expect.poll(() => messageTexts(lee.page), { timeout: 20_000 }).toEqual(expected);
    await expect.poll(() => messageTexts(kim.page)).toEqual(expected);
    await expect.poll(() => bubble(kim.page, 'written while offline 2').getAttribute('data-status')).toBe('seen');
    await screenshot(lee.page, 'chat-phone-dark');

    // A fresh load reopens the same conversation (it is in the address) and shows the same history, each message once.
    await lee.page.reload();
    await signedInAs(lee.page, 'lee');
    await lee.page.getByRole('heading', { name: 'kim', exact: true }).waitFor();
    await expect.poll(() => messageTexts(lee.page)).toEqual(expected);
    // Two registrations, a kill and a restart: on a loaded machine this takes more than the usual 30 s.
  }, 60_000);

  test('a device signed out from another one says so on the sign-in screen, until the next sign-in', async () => {
    server = await startServer();
    const { page } = await webUser(suite.browser, server.httpUrl, 'ria');
    const phone = await e2eeUser(server.url, 'ria', PASSWORD, 'phone');
    try {
      const { sessions } = await phone.request('sessions', { type: 'sessions' });
      const web = sessions.find((s) => !s.current)!;
      await phone.request('revokeSession', { type: 'revokeSession', sessionId: web.sessionId });
      await page.getByRole('heading', { name: 'Welcome back' }).waitFor();
      await page.getByText('This device was signed out from another one.').waitFor();
      await screenshot(page, 'signed-out-elsewhere');

      // Signing in again clears the notice.
      await signIn(page, server.httpUrl, 'ria');
      expect(await page.getByText('This device was signed out from another one.').count()).toBe(0);
    } finally {
      phone.close();
    }
  });
});

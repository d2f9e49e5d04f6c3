// The main screens at phone, desktop and wide sizes in light and dark, keyboard-only use, and desktop notices.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { e2eeUser as userClient } from '../helpers/e2ee-user.js';
import { startServer, type TestServer } from '../helpers/server.js';
import {
  browserAvailable,
  browserSuite,
  bubble,
  conversationItem,
  cspViolations,
  FAKE_VISIBILITY_AND_NOTIFICATIONS,
  messageTexts,
  newUserPage,
  PASSWORD,
  screenshot,
  signIn,
} from '../helpers/web.js';

/** What a screen reader would announce for the focused element: its label. */
const FOCUSED_LABEL = `(() => {
  const el = document.activeElement;
  if (!el) return null;
  return el.getAttribute('aria-label') || (el.labels && el.labels[0] ? el.labels[0].textContent : null);
})()`;

describe.skipIf(!browserAvailable())('web client: screens, keyboard and notifications', () => {
  let server: TestServer;
  const suite = browserSuite();

  beforeAll(async () => {
    server = await startServer();
    // A conversation worth looking at, written through the protocol so the screens have content.
    const maya = await userClient(server.url, 'maya');
    const noah = await userClient(server.url, 'noah.w');
    const olga = await userClient(server.url, 'olga');
    const lines: [typeof maya, string, string][] = [
      [noah, 'maya', 'Morning! Did the new build go out?'],
      [maya, 'noah.w', 'It did, about an hour ago. Release notes are at https://example.org/releases/2.4'],
      [noah, 'maya', 'Nice. Any surprises?'],
      [maya, 'noah.w', 'One: the export dialog now remembers the last folder.\nPeople asked for that for a year.'],
      [noah, 'maya', 'Ha, finally 🎉'],
      [olga, 'maya', 'Are we still on for lunch on Friday?'],
    ];
    for (const [from, to, body] of lines) {
      await from.sendText(to, body, `screen-${Math.random().toString(36).slice(2)}`);
    }
    for (const c of [maya, noah, olga]) c.close();
  });

  afterAll(async () => {
    await server?.close();
  });

  const sizes = [
    { name: 'phone', width: 390, height: 844 },
    { name: 'desktop', width: 1280, height: 800 },
    { name: 'wide', width: 1920, height: 1080 },
  ] as const;

  test.each(sizes)('main screens at $name size ($width×$height), light and dark', async (size) => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const { context, page } = await newUserPage(suite.browser, { width: size.width, height: size.height, colorScheme });
      await page.goto(`${server.httpUrl}/`);
      await page.getByRole('heading', { name: 'Welcome back' }).waitFor();
      if (size.name === 'phone') await screenshot(page, `sign-in-${size.name}-${colorScheme}`);
      await signIn(page, server.httpUrl, 'maya');
      await conversationItem(page, 'noah.w').waitFor();
      await screenshot(page, `list-${size.name}-${colorScheme}`);
      await conversationItem(page, 'noah.w').click();
      await expect.poll(async () => (await messageTexts(page)).length).toBe(5);
      await screenshot(page, `chat-${size.name}-${colorScheme}`);
      // Nothing may stick out sideways at any width.
      expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
      await context.close();
    }
  });

  test('usable with the keyboard alone: sign in, find someone, write, send', async () => {
    const { page } = await newUserPage(suite.browser);
    await page.goto(`${server.httpUrl}/`);
    await page.getByRole('heading', { name: 'Welcome back' }).waitFor();
    // The username field has focus on arrival.
    await page.keyboard.type('olga');
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByTestId('me').filter({ hasText: 'olga' }).waitFor();

    const searchLabel = 'Find or start a conversation by username';
    for (let i = 0; i < 12 && (await page.evaluate(FOCUSED_LABEL)) !== searchLabel; i++) await page.keyboard.press('Tab');
    expect(await page.evaluate(FOCUSED_LABEL)).toBe(searchLabel);
    await page.keyboard.type('maya');
    await page.keyboard.press('Enter');
    // Opening a conversation puts the cursor in the message box.
    await expect.poll(() => page.evaluate(FOCUSED_LABEL)).toBe('Message maya');
    await page.keyboard.type('See you Friday at noon.');
    await page.keyboard.press('Enter');
    await expect.poll(() => bubble(page, 'See you Friday at noon.').getAttribute('data-status')).toMatch(/sent|seen/);
    // Back to the list by keyboard: Shift+Tab reaches the conversation, with a visible focus ring.
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    await screenshot(page, 'keyboard-focus-desktop-light');
  });

  test('a desktop notice and the unread count while the tab is hidden; read once it is back', async () => {
    const { context, page } = await newUserPage(suite.browser);
    await context.addInitScript({ content: FAKE_VISIBILITY_AND_NOTIFICATIONS });
    await signIn(page, server.httpUrl, 'noah.w');
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByRole('button', { name: 'Turn on' }).waitFor({ state: 'detached' });
    await conversationItem(page, 'maya').click();

    await page.evaluate('window.__setHidden(true)');
    const maya = await userClient(server.url, 'maya');
    const ack = await maya.sendText('noah.w', 'Quick question about the release', 'notice-1');
    await expect.poll(() => page.evaluate('window.__notices')).toEqual([
      { title: 'maya', body: 'Quick question about the release', tag: `parley-conversation-${ack.conversationId}` },
    ]);
    // Hidden means unread, even with the conversation open.
    await expect.poll(() => page.title()).toBe('(1) Parley');
    expect(await conversationItem(page, 'maya').locator('.badge').textContent()).toBe('1');

    await page.evaluate('window.__setHidden(false)');
    await expect.poll(() => page.title()).toBe('Parley');
    await maya.event('read', (e) => e.username === 'noah.w' && e.seq >= ack.seq);
    maya.close();
  });

  // Runs last: every page above used the real policy.
  test('the content security policy blocked nothing the client did', () => {
    expect(cspViolations).toEqual([]);
  });
});

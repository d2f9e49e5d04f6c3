// The web client in real Chromium against a real server: live chat, offline delivery, unread and seen marks.
import { describe, expect, test } from 'vitest';
import { e2eeUser as userClient } from '../helpers/e2ee-user.js';
import {
  authError,
  browserAndServerSuite,
  browserAvailable,
  bubble,
  composer,
  conversationItem,
  messageTexts,
  newUserPage,
  openConversation,
  PASSWORD,
  register,
  screenshot,
  sendMessage,
  webUser,
} from '../helpers/web.js';

describe.skipIf(!browserAvailable())('web client: chatting in the browser', () => {
  const suite = browserAndServerSuite();

  test('two people register and talk live: unread badge, seen mark, typing, links, no HTML', async () => {
    const alice = await webUser(suite.browser, suite.server.httpUrl, 'alice');
    const bob = await webUser(suite.browser, suite.server.httpUrl, 'bob', { colorScheme: 'dark' });

    await openConversation(alice.page, 'bob');
    await sendMessage(alice.page, 'bob', 'Hello Bob! <b>not bold</b> <img src=x onerror=alert(1)>');
    await expect.poll(() => bubble(alice.page, 'Hello Bob!').getAttribute('data-status')).toBe('sent');

    // Bob was not looking: the conversation shows up with an unread badge and the count is in the title.
    const item = conversationItem(bob.page, 'alice');
    await expect.poll(() => item.locator('.badge').textContent()).toBe('1');
    await expect.poll(() => bob.page.title()).toBe('(1) Parley');
    await expect.poll(() => item.getAttribute('data-unread')).toBe('true');

    await item.click();
    await expect.poll(() => messageTexts(bob.page)).toEqual(['Hello Bob! <b>not bold</b> <img src=x onerror=alert(1)>']);
    expect(await bob.page.locator('.bubble-text b, .bubble-text img').count()).toBe(0);
    await expect.poll(() => item.locator('.badge').count()).toBe(0);
    await expect.poll(() => bob.page.title()).toBe('Parley');
    // Bob read it, so Alice's message turns "seen".
    await expect.poll(() => bubble(alice.page, 'Hello Bob!').getAttribute('data-status')).toBe('seen');

    // Typing shows on the other side while Bob writes.
    await composer(bob.page, 'alice').fill('typing something');
    await alice.page.getByText('bob is typing…').waitFor();
    await composer(bob.page, 'alice').press('Enter');
    await expect.poll(() => messageTexts(alice.page)).toContain('typing something');

    await sendMessage(bob.page, 'alice', 'The agenda is at https://example.org/meetup?day=1.');
    const link = alice.page.locator('.bubble-text a', { hasText: 'https://example.org/meetup?day=1' });
    await link.waitFor();
    expect(await link.getAttribute('href')).toBe('https://example.org/meetup?day=1');
    expect(await link.getAttribute('rel')).toContain('noopener');

    // Shift+Enter makes a new line; Enter sends the whole thing as one message.
    const box = composer(alice.page, 'bob');
    await box.fill('First line');
    await box.press('Shift+Enter');
    await box.pressSequentially('second line');
    await box.press('Enter');
    await expect.poll(() => messageTexts(bob.page)).toContain('First line\nsecond line');
    expect(await box.inputValue()).toBe('');

    await screenshot(alice.page, 'chat-desktop-light');
    await screenshot(bob.page, 'chat-desktop-dark');
    await alice.context.close();
    await bob.context.close();
  });

  test('a message to someone offline is waiting for them when they sign in', async () => {
    // Dave has an account but no browser open.
    const dave = await userClient(suite.server.url, 'dave');
    dave.close();
    const carol = await webUser(suite.browser, suite.server.httpUrl, 'carol');
    await openConversation(carol.page, 'dave');
    await expect.poll(() => carol.page.locator('.pane-status').textContent()).toBe('Offline');
    await sendMessage(carol.page, 'dave', 'Are you around tomorrow?');
    await expect.poll(() => bubble(carol.page, 'Are you around tomorrow?').getAttribute('data-status')).toBe('sent');

    const daveWeb = await webUser(suite.browser, suite.server.httpUrl, 'dave', { signIn: true });
    const item = conversationItem(daveWeb.page, 'carol');
    await expect.poll(() => item.locator('.badge').textContent()).toBe('1');
    await expect.poll(() => item.locator('.conv-preview').textContent()).toBe('Are you around tomorrow?');
    await item.click();
    await expect.poll(() => messageTexts(daveWeb.page)).toEqual(['Are you around tomorrow?']);
    await expect.poll(() => bubble(carol.page, 'Are you around tomorrow?').getAttribute('data-status')).toBe('seen');
    // Dave came online while Carol watched.
    await expect.poll(() => carol.page.locator('.pane-status').textContent()).toBe('Online');
    await carol.context.close();
    await daveWeb.context.close();
  });

  test('sign-in mistakes and unknown usernames are said plainly', async () => {
    const erin = await newUserPage(suite.browser);
    await erin.page.goto(`${suite.server.httpUrl}/`);
    await screenshot(erin.page, 'sign-in-light');
    expect(await authError(erin.page, 'Create account', 'erin', 'short')).toMatch(/too short.*8 characters/);
    await register(erin.page, suite.server.httpUrl, 'erin');

    // Usernames are case sensitive, for finding people too.
    const search = erin.page.getByLabel('Find or start a conversation by username');
    await search.fill('Erin');
    await search.press('Enter');
    await expect.poll(() => erin.page.locator('.search-message').textContent()).toBe('No such user: “Erin”. Usernames are case sensitive.');
    await search.fill('nobody-here');
    await search.press('Enter');
    await expect.poll(() => erin.page.locator('.search-message').textContent()).toContain('No such user: “nobody-here”');

    const other = await newUserPage(suite.browser, { colorScheme: 'dark' });
    await other.page.goto(`${suite.server.httpUrl}/`);
    expect(await authError(other.page, 'Create account', 'erin', PASSWORD)).toMatch(/username is taken/);
    expect(await authError(other.page, 'Sign in', 'erin', 'wrong password')).toMatch(/Wrong username or password/);
    expect(await authError(other.page, 'Sign in', 'ERIN', PASSWORD)).toMatch(/Wrong username or password/);
    await screenshot(other.page, 'sign-in-error-dark');
    await erin.context.close();
    await other.context.close();
  });

  test('history loads older pages as the reader scrolls up', async () => {
    const gina = await userClient(suite.server.url, 'gina');
    const hank = await userClient(suite.server.url, 'hank');
    const total = 130;
    for (let i = 1; i <= total; i++) {
      const from = i % 3 === 0 ? hank : gina;
      await from.sendText(from === gina ? 'hank' : 'gina', `message number ${i}`, `seed-${i}`);
    }
    gina.close();
    hank.close();

    const web = await webUser(suite.browser, suite.server.httpUrl, 'gina', { signIn: true });
    await conversationItem(web.page, 'hank').click();
    await expect.poll(async () => (await messageTexts(web.page)).at(-1)).toBe(`message number ${total}`);
    expect((await messageTexts(web.page)).length).toBeLessThan(total);

    const history = web.page.getByTestId('history');
    await expect
      .poll(
        async () => {
          // Scroll up the way a reader does, with the wheel over the history.
          await history.hover();
          await web.page.mouse.wheel(0, -20_000);
          return (await messageTexts(web.page)).length;
        },
        { timeout: 15_000 },
      )
      .toBe(total);
    const texts = await messageTexts(web.page);
    expect(texts).toEqual(Array.from({ length: total }, (_, i) => `message number ${i + 1}`));
    await web.page.getByText('This is the beginning of your conversation with hank.').waitFor();
    expect(await web.page.locator('.day').allTextContents()).toEqual(['Today']);

    // Far up in the history, a new message does not yank the view down; a button offers to jump.
    await web.page.getByRole('button', { name: 'Jump to the latest message' }).waitFor();
    const hankAgain = await userClient(suite.server.url, 'hank');
    await hankAgain.sendText('gina', 'one more thing', 'late-1');
    hankAgain.close();
    await web.page.getByRole('button', { name: 'New messages: jump to the latest' }).click();
    await web.page.locator('.jump-btn').waitFor({ state: 'detached' });
    expect((await messageTexts(web.page)).at(-1)).toBe('one more thing');
    await web.context.close();
  });
});

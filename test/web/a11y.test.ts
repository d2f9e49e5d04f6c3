// Issue 14: axe-core finds no accessibility violation on any main screen of the web client, light and dark,
// desktop and phone width; focus starts where a person would type.
import { describe, expect, test } from 'vitest';
import { accessibilityViolations, browserAvailable, browserAndServerSuite, newUserPage, openConversation, PASSWORD, register, screenshot, sendMessage, signedInAs } from '../helpers/web.js';

describe.skipIf(!browserAvailable())('web client: accessibility (axe-core)', () => {
  const suite = browserAndServerSuite();

  for (const [scheme, width] of [
    ['light', 1280],
    ['dark', 1280],
    ['light', 390],
  ] as const) {
    test(`every main screen, ${scheme}, ${width} px wide`, async () => {
      const size = { colorScheme: scheme, width, height: width > 600 ? 800 : 844 };
      const tag = `${scheme}${width}`;
      const alice = await newUserPage(suite.browser, size);
      const bob = await newUserPage(suite.browser, size);
      const violations: Record<string, string[]> = {};

      await alice.page.goto(`${suite.server.httpUrl}/`);
      await alice.page.getByRole('heading', { name: 'Welcome back' }).waitFor();
      violations['sign in'] = await accessibilityViolations(alice.page);
      await alice.page.getByRole('button', { name: 'Create account', exact: true }).first().click();
      violations['create account'] = await accessibilityViolations(alice.page);

      await register(alice.page, suite.server.httpUrl, `a${tag}`);
      // After signing in, focus is on something to type into, not lost on <body>.
      expect(await alice.page.evaluate('document.activeElement?.tagName')).not.toBe('BODY');
      violations['no conversations'] = await accessibilityViolations(alice.page);

      await register(bob.page, suite.server.httpUrl, `b${tag}`);
      await openConversation(alice.page, `b${tag}`);
      await sendMessage(alice.page, `b${tag}`, 'hello there, a link https://example.org');
      await openConversation(bob.page, `a${tag}`);
      await sendMessage(bob.page, `a${tag}`, 'hi back');
      await alice.page.locator('.history-list .bubble-text', { hasText: 'hi back' }).waitFor();
      violations['conversation'] = await accessibilityViolations(alice.page);
      await screenshot(alice.page, `a11y-conversation-${tag}`);

      // On a phone the open conversation covers the sidebar: back to the list first.
      if (width < 600) await alice.page.getByRole('button', { name: 'Back to conversations' }).click();
      await alice.page.getByRole('button', { name: 'Devices and password' }).click();
      await alice.page.getByRole('dialog', { name: 'Your account' }).waitFor();
      violations['account'] = await accessibilityViolations(alice.page);
      await alice.page.keyboard.press('Escape');

      // A new tab holds the cookie but not the keys: the unlock screen.
      const tab = await alice.context.newPage();
      await tab.goto(`${suite.server.httpUrl}/`);
      await tab.getByRole('heading', { name: 'Unlock your messages' }).waitFor();
      expect(await tab.evaluate('document.activeElement?.id')).toBe('unlock-password');
      violations['unlock'] = await accessibilityViolations(tab);
      await screenshot(tab, `a11y-unlock-${tag}`);
      await tab.getByLabel('Password').fill(PASSWORD);
      await tab.getByRole('button', { name: 'Unlock' }).click();
      await signedInAs(tab, `a${tag}`);

      expect(violations).toEqual({ 'sign in': [], 'create account': [], 'no conversations': [], conversation: [], account: [], unlock: [] });
    }, 120_000);
  }
});

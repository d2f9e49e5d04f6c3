// Issue 14: the open conversation lives in the address. Back returns to the list instead of leaving the app,
// a reload reopens the chat with its draft, a link opens a chat, and the user's own unsent message shows in
// the conversation list at once.
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { browserAndServerSuite, browserAvailable, composer, conversationItem, newUserPage, openConversation, register, sendMessage } from '../helpers/web.js';

/** The peers of the conversation list, top to bottom. */
async function listOrder(page: Page): Promise<(string | null)[]> {
  const items = page.locator('.conv-item');
  return Promise.all(Array.from({ length: await items.count() }, (_, i) => items.nth(i).getAttribute('data-peer')));
}

describe.skipIf(!browserAvailable())('web client: addresses, drafts and the list', () => {
  const suite = browserAndServerSuite();

  test('Back, reload, a link and an unknown name in a link', async () => {
    const base = suite.server.httpUrl;
    const alice = await newUserPage(suite.browser, { width: 390, height: 844 });
    const bob = await newUserPage(suite.browser);
    await register(alice.page, base, 'alice');
    await register(bob.page, base, 'bob');

    await openConversation(alice.page, 'bob');
    expect(new URL(alice.page.url()).hash).toBe('#/chat/bob');
    await composer(alice.page, 'bob').fill('half-written thought');

    // A reload reopens the chat, with the draft.
    await alice.page.reload();
    await alice.page.getByRole('heading', { name: 'bob', exact: true }).waitFor();
    expect(await composer(alice.page, 'bob').inputValue()).toBe('half-written thought');

    // Back (a phone's back gesture) closes the chat, not the app; Forward opens it again.
    await alice.page.goBack();
    await expect.poll(() => new URL(alice.page.url()).hash).not.toBe('#/chat/bob');
    expect(new URL(alice.page.url()).origin).toBe(base);
    await conversationItem(alice.page, 'bob').waitFor();
    await alice.page.goForward();
    await alice.page.getByRole('heading', { name: 'bob', exact: true }).waitFor();

    // The app's own back button returns to the list the same way.
    await alice.page.getByRole('button', { name: 'Back to conversations' }).click();
    await conversationItem(alice.page, 'bob').waitFor();

    // A link to a chat opens it; a link naming nobody says so.
    await bob.page.goto(`${base}/#/chat/alice`);
    await bob.page.getByRole('heading', { name: 'alice', exact: true }).waitFor();
    await bob.page.goto(`${base}/#/chat/nobody`);
    await bob.page.getByRole('alert').filter({ hasText: 'No such user: “nobody”' }).waitFor();
    expect(new URL(bob.page.url()).hash).not.toBe('#/chat/nobody');
  });

  test("the user's own unsent message shows in the list at once and lifts its conversation", async () => {
    const base = suite.server.httpUrl;
    const dan = await newUserPage(suite.browser);
    for (const name of ['erin', 'fay']) await register((await newUserPage(suite.browser)).page, base, name);
    await register(dan.page, base, 'dan');
    await openConversation(dan.page, 'erin');
    await sendMessage(dan.page, 'erin', 'first to erin');
    await openConversation(dan.page, 'fay');
    await sendMessage(dan.page, 'fay', 'then to fay');
    await expect.poll(() => listOrder(dan.page)).toEqual(['fay', 'erin']);

    // Offline, a message to erin waits in the outbox: the list shows it and puts erin first.
    await dan.context.setOffline(true);
    await dan.page.getByRole('button', { name: 'Back to conversations' }).click().catch(() => undefined);
    await openConversation(dan.page, 'erin');
    await sendMessage(dan.page, 'erin', 'written while offline');
    const erin = conversationItem(dan.page, 'erin');
    await erin.locator('.conv-preview', { hasText: 'Sending: written while offline' }).waitFor();
    await expect.poll(() => listOrder(dan.page)).toEqual(['erin', 'fay']);

    await dan.context.setOffline(false);
    await erin.locator('.conv-preview', { hasText: 'You: written while offline' }).waitFor({ timeout: 30_000 });
  });
});

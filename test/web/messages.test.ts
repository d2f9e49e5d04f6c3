// Issue 14: a conversation opened with unread messages shows a "New messages" divider above the first of them;
// a message's menu quotes it into a reply (drawn as a quote on both sides) and copies its text.
import { describe, expect, test } from 'vitest';
import { browserAndServerSuite, browserAvailable, bubble, composer, conversationItem, newUserPage, openConversation, register, screenshot, sendMessage } from '../helpers/web.js';

describe.skipIf(!browserAvailable())('web client: unread divider, reply and copy', () => {
  const suite = browserAndServerSuite();

  test('the divider marks where the unread messages start; Reply quotes, Copy copies', async () => {
    const base = suite.server.httpUrl;
    const alice = await newUserPage(suite.browser);
    const bob = await newUserPage(suite.browser);
    await alice.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    await register(alice.page, base, 'alice');
    await register(bob.page, base, 'bob');

    await openConversation(bob.page, 'alice');
    await sendMessage(bob.page, 'alice', 'read already');
    await conversationItem(alice.page, 'bob').click();
    await alice.page.locator('.history-list .bubble-text', { hasText: 'read already' }).waitFor();
    await alice.page.getByRole('button', { name: 'Back to conversations' }).click().catch(() => undefined);
    await alice.page.goto(`${base}/#/`);

    for (const text of ['first unread', 'second unread\nwith two lines']) await sendMessage(bob.page, 'alice', text);
    await expect.poll(() => conversationItem(alice.page, 'bob').locator('.badge').textContent()).toBe('2');
    await conversationItem(alice.page, 'bob').click();
    const divider = alice.page.getByRole('separator', { name: 'New messages' });
    await divider.waitFor();
    // The divider sits right above the first unread message, and below the one read before.
    const order = (await alice.page.locator('.history-list > *').allInnerTexts()).map((t) => t.trim());
    const at = order.findIndex((t) => t === 'New messages');
    expect(order[at + 1]).toContain('first unread');
    expect(order[at - 1]).toContain('read already');
    await screenshot(alice.page, 'unread-divider');

    // Reply: the message is quoted into the composer; the answer arrives with the quote drawn apart.
    const second = bubble(alice.page, 'second unread');
    await second.hover();
    await second.getByRole('button', { name: "Actions for bob's message" }).click();
    await alice.page.getByRole('menuitem', { name: 'Reply' }).click();
    expect(await composer(alice.page, 'bob').inputValue()).toBe('> second unread\n> with two lines\n\n');
    await composer(alice.page, 'bob').press('End');
    await composer(alice.page, 'bob').pressSequentially('my answer');
    await composer(alice.page, 'bob').press('Enter');
    const reply = bob.page.locator('.history-list .msg', { hasText: 'my answer' });
    await reply.locator('blockquote.bubble-quote', { hasText: 'second unread' }).waitFor();
    expect((await reply.locator('.bubble-text').innerText()).trim()).toMatch(/second unread\s+with two lines\s+my answer/);

    // Copy: the text, whole, on the clipboard, and the menu says so.
    const first = bubble(alice.page, 'first unread');
    await first.hover();
    await first.getByRole('button', { name: "Actions for bob's message" }).click();
    await alice.page.getByRole('menuitem', { name: 'Copy text' }).click();
    await first.getByRole('status').filter({ hasText: 'Copied' }).waitFor();
    expect(await alice.page.evaluate('navigator.clipboard.readText()')).toBe('first unread');
  });

  test('a conversation can be muted from its header, and the choice survives a reload', async () => {
    const base = suite.server.httpUrl;
    const gil = await newUserPage(suite.browser);
    await register((await newUserPage(suite.browser)).page, base, 'hal');
    await register(gil.page, base, 'gil');
    await openConversation(gil.page, 'hal');
    const mute = gil.page.getByRole('button', { name: 'Mute notices' });
    expect(await mute.getAttribute('aria-pressed')).toBe('false');
    await mute.click();
    expect(await mute.getAttribute('aria-pressed')).toBe('true');
    await gil.page.reload();
    await gil.page.getByRole('heading', { name: 'hal', exact: true }).waitFor();
    expect(await gil.page.getByRole('button', { name: 'Mute notices' }).getAttribute('aria-pressed')).toBe('true');
    expect(await gil.page.evaluate("localStorage.getItem('parley.notify.gil')")).toBe('{"hideText":false,"muted":["hal"]}');
  });
});

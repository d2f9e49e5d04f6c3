// The web client's key reset in real Chromium: the account dialog explains it, asks to confirm and for the password; the contact is warned.
import { describe, expect, test } from 'vitest';
import { e2eeUser } from '../helpers/e2ee-user.js';
import {
  browserAvailable,
  serverBrowserSuite,
  cspViolations,
  messageTexts,
  openConversation,
  PASSWORD,
  screenshot,
  sendMessage,
  webUsers,
} from '../helpers/web.js';

describe.skipIf(!browserAvailable())('web client: identity reset', () => {
  const suite = serverBrowserSuite();
  const { clients } = suite;

  test('resets the keys after a confirmation and the password; history stays, the contact sees the key change', async () => {
    const server = await suite.start();
    const [nia, omar] = await webUsers(suite.browser, server.httpUrl, ['nia', 'omar']);
    await openConversation(nia.page, 'omar');
    await sendMessage(nia.page, 'omar', 'before the reset');
    await openConversation(omar.page, 'nia');
    await expect.poll(() => messageTexts(omar.page)).toEqual(['before the reset']);
    const phone = await e2eeUser(server.url, 'nia', PASSWORD, 'phone');
    clients.push(phone);

    await nia.page.getByRole('button', { name: 'Devices and password' }).click();
    const dialog = nia.page.getByRole('dialog', { name: 'Your account' });
    const keys = dialog.getByRole('region', { name: 'Encryption keys' });
    await keys.waitFor();
    expect(await keys.innerText()).toMatch(/Your contacts will see a warning that your keys changed: ask them\s+to compare safety numbers with you again/);
    const confirms: string[] = [];
    let acceptNext = false;
    nia.page.on('dialog', (confirm) => {
      confirms.push(confirm.message());
      void (acceptNext ? confirm.accept() : confirm.dismiss());
    });

    // Cancelling the confirmation sends nothing; a wrong password changes nothing.
    await keys.getByLabel('Your password').fill('not my password');
    await keys.getByRole('button', { name: 'Reset my keys' }).click();
    await expect.poll(() => confirms.length).toBe(1);
    expect(confirms[0]).toMatch(/contacts will see that your keys changed/);
    acceptNext = true;
    await keys.getByRole('button', { name: 'Reset my keys' }).click();
    await expect.poll(() => keys.getByRole('alert').innerText()).toBe('That is not your password. Your keys were not reset.');
    expect(phone.closeCode).toBeUndefined();

    await keys.getByLabel('Your password').fill(PASSWORD);
    await keys.getByRole('button', { name: 'Reset my keys' }).click();
    await expect.poll(() => keys.getByRole('status').innerText()).toMatch(/^Your keys are reset \(key version 2\)\. Ask your contacts to compare safety numbers/);
    expect(await phone.waitClosed()).toBe(4001);
    await screenshot(nia.page, 'account-keys-reset');

    // omar, in the conversation, gets the loud warning at once.
    await omar.page.getByRole('alert').filter({ hasText: /nia's keys changed/ }).waitFor();
    await screenshot(omar.page, 'contact-keys-reset');

    // nia still reads what was sent before, and her next message reaches omar.
    await nia.page.keyboard.press('Escape');
    await expect.poll(() => messageTexts(nia.page)).toEqual(['before the reset']);
    await sendMessage(nia.page, 'omar', 'after the reset');
    // Signed by keys omar has not accepted: a warning in its place until he compares the new number and accepts.
    await expect.poll(() => omar.page.locator('[data-failure="unaccepted-key"]').count()).toBe(1);
    expect(await omar.page.getByText('after the reset', { exact: true }).count()).toBe(0);
    await omar.page.getByText(/^Encryption · /).click();
    await omar.page.getByRole('button', { name: 'Mark verified', exact: true }).click();
    await expect.poll(() => messageTexts(omar.page)).toEqual(['before the reset', 'after the reset']);
    expect(cspViolations).toEqual([]);
  }, 90_000);
});

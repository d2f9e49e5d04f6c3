// The web client's account dialog in Chromium: devices, signing one out, changing the password, signing out everywhere.
import { describe, expect, test } from 'vitest';
import { TestClient } from '../helpers/client.js';
import { e2eeUser } from '../helpers/e2ee-user.js';
import {
  browserAvailable,
  serverBrowserSuite,
  cspViolations,
  PASSWORD,
  screenshot,
  signedInAs,
  webUser,
} from '../helpers/web.js';

/** Another device of the same user: a bare protocol client that logged in (with its keys) under a device name. */
const otherDevice = (url: string, username: string, device: string, password = PASSWORD) => e2eeUser(url, username, password, device);

describe.skipIf(!browserAvailable())('web client: account', () => {
  const suite = serverBrowserSuite();
  const { clients } = suite;

  test('lists devices, signs one out, changes the password, and signs out everywhere', async () => {
    const server = await suite.start();
    const { context, page } = await webUser(suite.browser, server.httpUrl, 'nia');
    const phone = await otherDevice(server.url, 'nia', 'phone');
    clients.push(phone);

    await page.getByRole('button', { name: 'Devices and password' }).click();
    const dialog = page.getByRole('dialog', { name: 'Your account' });
    await dialog.waitFor();
    const devices = dialog.locator('.device');
    await expect.poll(() => devices.count()).toBe(2);
    await expect.poll(() => dialog.locator('.device[data-current="true"] .device-name').innerText()).toMatch(/\(web\)\s*This device/);
    expect(await dialog.locator('.device[data-current="false"] .device-name').innerText()).toBe('phone');
    expect(await dialog.locator('.device[data-current="false"] .device-meta').innerText()).toBe('127.0.0.1 · active now');
    await screenshot(page, 'account-dialog');

    // Sign the phone out from the browser: its socket is closed with 4001 and its token is dead.
    await dialog.getByRole('button', { name: 'Sign out phone (127.0.0.1)' }).click();
    expect(await phone.waitClosed()).toBe(4001);
    await expect.poll(() => devices.count()).toBe(1);
    const probe = await TestClient.connect(server.url);
    clients.push(probe);
    await expect(probe.request('resume', { type: 'resume', token: phone.token })).rejects.toMatchObject({ code: 'SESSION_INVALID' });

    // A wrong current password changes nothing; the right one signs the other devices out.
    const tablet = await otherDevice(server.url, 'nia', 'tablet');
    clients.push(tablet);
    const form = dialog.getByRole('region', { name: 'Change password' });
    await form.getByLabel('Current password').fill('not my password');
    await form.getByLabel('New password', { exact: true }).fill('a much better passphrase');
    await form.getByLabel('New password again').fill('a much better passphrase');
    await form.getByRole('button', { name: 'Change password' }).click();
    await expect.poll(() => form.getByRole('alert').innerText()).toBe('That is not your current password. Nothing was changed.');
    await form.getByLabel('Current password').fill(PASSWORD);
    await form.getByRole('button', { name: 'Change password' }).click();
    await expect.poll(() => form.getByRole('status').innerText()).toBe('Your password is changed. 1 other device was signed out.');
    expect(await tablet.waitClosed()).toBe(4001);
    // The new password works (keys derived from it on the client, as every client does).
    const renewed = await e2eeUser(server.url, 'nia', 'a much better passphrase');
    clients.push(renewed);
    // This browser is still signed in.
    await page.reload();
    await signedInAs(page, 'nia');

    // Sign out everywhere, with a second tab open: both land on the sign-in page, and the cookie is gone.
    const secondTab = await context.newPage();
    await secondTab.goto(`${server.httpUrl}/`);
    // A new tab has the cookie but not the keys (the wrap key lives in each tab's sessionStorage).
    await secondTab.getByRole('heading', { name: 'Unlock your messages' }).waitFor();
    await secondTab.getByLabel('Password').fill('a much better passphrase');
    await secondTab.getByRole('button', { name: 'Unlock' }).click();
    await signedInAs(secondTab, 'nia');
    await page.getByRole('button', { name: 'Devices and password' }).click();
    page.once('dialog', (confirm) => void confirm.accept());
    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await page.getByRole('heading', { name: 'Welcome back' }).waitFor();
    await secondTab.getByRole('heading', { name: 'Welcome back' }).waitFor();
    await expect.poll(() => context.cookies()).toEqual([]);
    await expect.poll(() => renewed.closeCode).toBe(4001); // the renewed login was a session of nia's too
    expect(cspViolations).toEqual([]);
  }, 60_000);
});

// The web client's end-to-end encryption panel in real Chromium: one safety number on both sides, "mark verified"
// surviving a reload, and a loud warning (with no forged text shown) when the server hands out other keys for a contact.
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import type { SqliteStore } from '../../src/server/store/sqlite.js';
import { encodePublicIdentity, generateIdentity } from '../../src/shared/crypto/index.js';
import {
  browserAvailable,
  browserAndServerSuite,
  bubble,
  messageTexts,
  newUserPage,
  openConversation,
  register,
  screenshot,
  sendMessage,
  signedInAs,
} from '../helpers/web.js';

/** The disclosure in the conversation pane that opens the encryption details; its text says the state. */
const encryptionSummary = (page: Page) => page.getByText(/^Encryption · /);
const safetyNumber = (page: Page) => page.getByLabel('Safety number', { exact: true });
const keysWarning = (page: Page) => page.getByRole('alert').filter({ hasText: /keys changed/ });

/** Opens the conversation's encryption details and returns the safety number as shown (twelve groups of five digits). */
async function openKeys(page: Page): Promise<string> {
  await encryptionSummary(page).click();
  await expect.poll(() => safetyNumber(page).textContent()).toMatch(/^(\d{5} ){11}\d{5}$/);
  return (await safetyNumber(page).textContent()) ?? '';
}

describe.skipIf(!browserAvailable())('web client: verifying end-to-end keys', () => {
  const suite = browserAndServerSuite();

  test('both sides see one safety number; verified survives a reload; swapped keys bring a loud warning and no forged text', async () => {
    const alice = await newUserPage(suite.browser);
    const bob = await newUserPage(suite.browser);
    await register(alice.page, suite.server.httpUrl, 'alice');
    await register(bob.page, suite.server.httpUrl, 'bob');

    await openConversation(alice.page, 'bob');
    await sendMessage(alice.page, 'bob', 'hi bob');
    await expect.poll(() => bubble(alice.page, 'hi bob').getAttribute('data-status')).toBe('sent');
    await openConversation(bob.page, 'alice');
    await expect.poll(() => messageTexts(bob.page)).toEqual(['hi bob']);
    await sendMessage(bob.page, 'alice', 'hi alice');
    await expect.poll(() => messageTexts(alice.page)).toEqual(['hi bob', 'hi alice']);

    // 1. The same 60 digits on both screens, in groups of five.
    expect(await encryptionSummary(alice.page).textContent()).toBe('Encryption · not verified');
    await expect.poll(() => keysWarning(alice.page).count()).toBe(0);
    const aliceSees = await openKeys(alice.page);
    expect(aliceSees.replace(/ /g, '')).toMatch(/^\d{60}$/);
    expect(await openKeys(bob.page)).toBe(aliceSees);
    await bob.context.close();

    // 2. Alice marks it verified; it says so, and still does after a reload.
    await alice.page.getByRole('button', { name: 'Mark verified', exact: true }).click();
    await expect.poll(() => encryptionSummary(alice.page).textContent()).toBe('Encryption · verified');
    const verifiedButton = alice.page.getByRole('button', { name: 'Verified', exact: true });
    expect(await verifiedButton.isDisabled()).toBe(true);
    await screenshot(alice.page, 'keys-verified');

    await alice.page.reload();
    await signedInAs(alice.page, 'alice');
    await openConversation(alice.page, 'bob');
    await expect.poll(() => messageTexts(alice.page)).toEqual(['hi bob', 'hi alice']);
    expect(await openKeys(alice.page)).toBe(aliceSees);
    await expect.poll(() => encryptionSummary(alice.page).textContent()).toBe('Encryption · verified');
    expect(await verifiedButton.isDisabled()).toBe(true);
    await expect.poll(() => keysWarning(alice.page).count()).toBe(0);

    // 3. The server starts handing out another public identity for bob (one it could hold the private key of).
    const db = (suite.server.server.services.store as SqliteStore).db;
    const bobId = (db.prepare("SELECT id FROM users WHERE username = 'bob'").get() as { id: number }).id;
    db.prepare('UPDATE identities SET public_identity = ? WHERE user_id = ?').run(encodePublicIdentity(generateIdentity(), 'bob'), bobId);

    await alice.page.reload();
    await signedInAs(alice.page, 'alice');
    await openConversation(alice.page, 'bob');
    const warning = keysWarning(alice.page);
    await warning.waitFor();
    expect(await warning.textContent()).toMatch(/bob's keys changed after you verified them\. .*the server may be\s+intercepting/);
    await expect.poll(() => encryptionSummary(alice.page).textContent()).toBe('Encryption · keys changed');
    // Only the keys alice pinned verify: bob's real message still reads (it was signed with them); nothing
    // signed by the keys the server now hands out would (test/web/malicious.test.ts shows that on screen).
    await expect.poll(() => messageTexts(alice.page)).toEqual(['hi bob', 'hi alice']);
    // The new safety number differs from the verified one, and it is no longer marked verified.
    const afterSwap = await openKeys(alice.page);
    expect(afterSwap.replace(/ /g, '')).toMatch(/^\d{60}$/);
    expect(afterSwap).not.toBe(aliceSees);
    expect(await alice.page.getByRole('button', { name: 'Mark verified', exact: true }).isEnabled()).toBe(true);
    // Nothing is encrypted to the unverified keys: a new message waits, marked as not sent.
    await sendMessage(alice.page, 'bob', 'are you still you?');
    await expect.poll(() => bubble(alice.page, 'are you still you?').getAttribute('data-status')).toBe('failed');
    expect(await bubble(alice.page, 'are you still you?').textContent()).toMatch(/keys changed/);
    await screenshot(alice.page, 'keys-changed-warning');
  }, 30_000);

  test("the panel is the open conversation's: another contact never shows this one's number, and keys that changed after it was shown are not verified", async () => {
    const [alice, bob, carol] = [await newUserPage(suite.browser), await newUserPage(suite.browser), await newUserPage(suite.browser)];
    await register(alice.page, suite.server.httpUrl, 'alice2');
    await register(bob.page, suite.server.httpUrl, 'bob2');
    await register(carol.page, suite.server.httpUrl, 'carol2');
    for (const peer of ['bob2', 'carol2']) {
      await openConversation(alice.page, peer);
      await sendMessage(alice.page, peer, `hi ${peer}`);
      await expect.poll(() => bubble(alice.page, `hi ${peer}`).getAttribute('data-status')).toBe('sent');
    }

    await openConversation(alice.page, 'bob2');
    const withBob = await openKeys(alice.page);
    await openConversation(alice.page, 'carol2');
    await expect.poll(() => messageTexts(alice.page)).toEqual(['hi carol2']);
    // Bob's number is gone with his conversation; carol's is the one carol sees.
    expect(await alice.page.getByText(withBob).count()).toBe(0);
    const withCarol = await openKeys(alice.page);
    expect(withCarol).not.toBe(withBob);
    await openConversation(carol.page, 'alice2');
    expect(await openKeys(carol.page)).toBe(withCarol);

    // While alice compares, the server starts handing out other keys for carol: "Mark verified" must not verify them.
    const db = (suite.server.server.services.store as SqliteStore).db;
    const carolId = (db.prepare("SELECT id FROM users WHERE username = 'carol2'").get() as { id: number }).id;
    db.prepare('UPDATE identities SET public_identity = ? WHERE user_id = ?').run(encodePublicIdentity(generateIdentity(), 'carol2'), carolId);
    await alice.page.getByRole('button', { name: 'Mark verified', exact: true }).click();
    await alice.page.getByRole('alert').filter({ hasText: 'changed since that safety number was shown' }).waitFor();
    await expect.poll(() => safetyNumber(alice.page).textContent()).toMatch(/^(\d{5} ){11}\d{5}$/);
    expect(await safetyNumber(alice.page).textContent()).not.toBe(withCarol);
    expect(await encryptionSummary(alice.page).textContent()).not.toBe('Encryption · verified');
  }, 30_000);
});

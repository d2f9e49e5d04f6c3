// Issue 14: the web composer counts what send() counts. A text of 11,877+ UTF-8 bytes but under 16,000
// characters was refused by the SDK, the error swallowed and the draft cleared; now it is refused in words
// and kept, and the longest text that fits is sent and arrives whole.
import { describe, expect, test } from 'vitest';
import { MAX_PLAINTEXT_BYTES } from '../../src/shared/crypto/index.js';
import { browserAvailable, browserAndServerSuite, composer, messageTexts, newUserPage, openConversation, register, screenshot } from '../helpers/web.js';

describe.skipIf(!browserAvailable())('web client: the message length limit', () => {
  const suite = browserAndServerSuite();

  test('a text too long once encrypted is refused in words and kept; the longest that fits is sent whole', async () => {
    const alice = await newUserPage(suite.browser);
    const bob = await newUserPage(suite.browser);
    await register(alice.page, suite.server.httpUrl, 'alice');
    await register(bob.page, suite.server.httpUrl, 'bob');
    await openConversation(alice.page, 'bob');

    // 'é' is two bytes: 6,000 characters (far under 16,000) are 12,000 bytes, past the 11,876 that fit.
    const tooLong = 'é'.repeat(6_000);
    const box = composer(alice.page, 'bob');
    await box.fill(tooLong);
    await alice.page.getByRole('alert').filter({ hasText: 'This message is too long to send: 12,000 bytes of text, and at most 11,876 fit' }).waitFor();
    expect(await alice.page.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);
    await box.press('Enter');
    expect(await box.inputValue()).toBe(tooLong);
    expect(await alice.page.locator('.history-list .msg').count()).toBe(0);
    await screenshot(alice.page, 'compose-too-long');

    // Exactly the limit: sent, the draft cleared, and it arrives whole.
    const fits = 'é'.repeat(MAX_PLAINTEXT_BYTES / 2 - 1) + 'xx';
    await box.fill(fits);
    expect(await alice.page.getByRole('alert').count()).toBe(0);
    await box.press('Enter');
    await expect.poll(() => box.inputValue()).toBe('');
    await openConversation(bob.page, 'alice');
    await expect.poll(() => messageTexts(bob.page)).toEqual([fits]);
  });
});
